"""Running under a supervisor: systemd notification (notify.py) and the unit
templates `ivr systemd` renders (systemd/*.service.in, command.py)."""
