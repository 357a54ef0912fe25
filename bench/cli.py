"""Command line of the bench: ``python -m bench [generate] [options]``."""

from __future__ import annotations

import argparse


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the chosen part of the bench."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    gen = sub.add_parser("generate", help="only build (or reuse) the SQLite data set")
    gen.add_argument("--scale", type=float, default=1.0, help="1.0 = the full large instance")
    gen.add_argument("--fresh", action="store_true", help="regenerate even if cached")
    args = parser.parse_args(argv)

    if args.command == "generate":
        from bench.dataset import sqlite_database

        url, info, reused = sqlite_database(args.scale, fresh=args.fresh)
        how = "reused" if reused else f"generated in {info.seconds:.1f} s"
        print(f"{url}: {how}")
        for table, count in sorted(info.counts.items()):
            print(f"  {table:22} {count:>9,}")
        return 0
    parser.print_help()
    return 2
