import sys

from bench.scale import main

sys.exit(main())
