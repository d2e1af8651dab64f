from lib.cli.commands import main

raise SystemExit(main())
