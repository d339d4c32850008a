"""``python -m geoasset.cli``: the same as the ``geoasset`` command."""

from geoasset.cli.main import main

if __name__ == "__main__":
    main()
