"""What `kjrel validate` costs on a built folder whose shard declares millions of rows in few bytes.

Builds raw/ into a temporary folder, replaces a sentences shard by one of the published schema
holding ROWS rows of one repeated value (a few bytes each once compressed, as a forged footer
would declare them), records its sha256 in SHA256SUMS, and runs `kjrel validate` in a child
process. Prints the shard's size, the exit status, the first line of stderr, the time and the
child's peak RSS.

    python benchmarks/forged_footer.py [--rows N]
"""

import argparse
import hashlib
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as parquet

from kjrel_data.build import build
from kjrel_data.folder_writer import CHECKSUM_FILE
from kjrel_data.names import SENTENCES

REPO = Path(__file__).resolve().parent.parent


def forge(folder: Path, rows: int) -> Path:
    """Replace a sentences shard by rows copies of its first row (strings as "x"); relist it."""
    shard = next((folder / "data" / SENTENCES).glob("train-*.parquet"))
    # The shard's own schema, with the dataset version it was built as.
    schema = parquet.read_schema(shard)
    first = parquet.read_table(shard).slice(0, 1)
    repeat = pa.array(np.zeros(rows, dtype="int64"))
    columns = [
        (
            pa.array(["x"], field.type)
            if pa.types.is_string(field.type)
            else first[field.name].combine_chunks()
        ).take(repeat)
        for field in schema
    ]
    parquet.write_table(
        pa.Table.from_arrays(columns, schema=schema), shard, compression="zstd", row_group_size=rows
    )
    relative = shard.relative_to(folder).as_posix()
    digest = hashlib.sha256(shard.read_bytes()).hexdigest()
    checksums = folder / CHECKSUM_FILE
    lines = [
        f"{digest}  {relative}" if line.partition("  ")[2] == relative else line
        for line in checksums.read_text(encoding="utf-8").splitlines()
    ]
    checksums.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return shard


def prepare(folder: Path, rows: int) -> None:
    """Build raw/ into folder and forge one of its shards."""
    build(REPO / "raw", folder, REPO)
    forge(folder, rows)


# Run in a child of this (small) process: a child forked from a large one starts with its pages,
# and Linux counts them in the child's peak RSS, even after exec.
VALIDATE = """
import resource, sys
from kjrel_data.cli import main
status = main(["validate", sys.argv[1]])
print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", file=sys.stderr)
sys.exit(status)
"""


def main() -> None:
    """Build and forge (in a child process), validate in another child, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    rows = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "kjrel"
        child = multiprocessing.get_context("spawn").Process(target=prepare, args=(folder, rows))
        child.start()
        child.join()
        shard = next((folder / "data" / SENTENCES).glob("train-*.parquet"))
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", VALIDATE, str(folder)],
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        *messages, peak = result.stderr.splitlines()
        print(f"shard: {shard.stat().st_size:,} bytes declaring {rows:,} rows")
        print(f"kjrel validate: exit {result.returncode} in {elapsed:.1f} s, {peak}")
        print(f"stderr: {(messages or [''])[-1][:200]}")


if __name__ == "__main__":
    main()
