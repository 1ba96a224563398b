"""A real Asterisk 22 in a Debian sid chroot, on loopback only."""
