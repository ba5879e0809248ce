import sys

from sendlanes.cli import main

sys.exit(main())
