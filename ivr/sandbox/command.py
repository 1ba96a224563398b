"""`ivr sandbox up|down|status`: a real Asterisk 22 in a chroot, loopback only."""

from __future__ import annotations


def add_sandbox_parser(subparsers) -> None:
    s = subparsers.add_parser("sandbox", help="real Asterisk 22 in a chroot")
    s.add_argument("action", choices=["up", "down", "status"])
    s.add_argument("--second", action="store_true",
                   help="the chroot's second Asterisk (systemname sandbox-b, AMI 5039, SIP 5062), "
                        "for trying several Asterisks")
    s.set_defaults(func=cmd_sandbox)


def sandbox_for(settings):
    from .chroot import Sandbox
    return Sandbox.for_project(settings.base, settings.state_dir / "sandbox",
                               [settings.prompts_dir, settings.recordings.directory])


def cmd_sandbox(args) -> int:
    from ..cli_support import settings
    sb = sandbox_for(settings(args))
    if args.second:
        sb = sb.second()
    if args.action == "up":
        sb.up()
        print(f"Asterisk {sb.systemname} is up: {sb.version()} (AMI 127.0.0.1:{sb.ami_port}, "
              f"SIP 127.0.0.1:{sb.sip_port}, chroot {sb.root})")
    elif args.action == "down":
        sb.down()
        print(f"Asterisk {sb.systemname} is down")
    else:
        if sb.is_up():
            print(f"up: {sb.version()} (chroot {sb.root})")
        else:
            print(f"down (chroot {'built' if sb.built() else 'not built'} at {sb.root})")
            return 1
    return 0
