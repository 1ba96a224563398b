"""Installing on an Asterisk the user already runs: `ivr asterisk-config` writes what
to add to it (asterisk_config.py), `ivr doctor` checks a live one over AMI (doctor.py)."""
