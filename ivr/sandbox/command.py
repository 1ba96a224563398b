"""`ivr sandbox up|down|status`: a real Asterisk 22 in a chroot, loopback only."""

from __future__ import annotations


def add_sandbox_parser(subparsers) -> None:
    s = subparsers.add_parser("sandbox", help="real Asterisk 22 in a chroot")
    s.add_argument("action", choices=["up", "down", "status"])
    s.set_defaults(func=cmd_sandbox)


def sandbox_for(settings):
    from .chroot import Sandbox
    return Sandbox.for_project(settings.base, settings.state_dir / "sandbox",
                               [settings.prompts_dir, settings.recordings.directory])


def cmd_sandbox(args) -> int:
    from ..cli_support import settings
    sb = sandbox_for(settings(args))
    if args.action == "up":
        sb.up()
        print(f"Asterisk is up: {sb.version()} (AMI 127.0.0.1:5038, SIP 127.0.0.1:5060, chroot {sb.root})")
    elif args.action == "down":
        sb.down()
        print("Asterisk is down")
    else:
        if sb.is_up():
            print(f"up: {sb.version()} (chroot {sb.root})")
        else:
            print(f"down (chroot {'built' if sb.built() else 'not built'} at {sb.root})")
            return 1
    return 0
