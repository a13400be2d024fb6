"""Allow `python -m sertransfer ...`."""

from sertransfer.cli import main

raise SystemExit(main())
