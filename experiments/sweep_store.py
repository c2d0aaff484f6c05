"""Results on disk: one Parquet chunk per finished batch, which is also the resume journal.

A chunk is written to a hidden temporary name and renamed into place, so a sweep killed at any
moment leaves only whole chunks behind (pyarrow ignores the hidden leftovers). The run ids in
the chunks are the record of what finished; memory stays flat because nothing accumulates in
the driver.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from environment.parameters import PARAMETERS
from experiments.sweep_spec import SweepSpec

_ARROW_TYPES = {float: pa.float64(), int: pa.int64(), str: pa.string(), bool: pa.bool_()}


def result_schema(spec: SweepSpec) -> pa.Schema:
    """Fixed column types, so every chunk (even one of failed runs only) has the same schema."""
    swept = [f.name for f in spec.factors] + list(spec.fixed)
    return pa.schema(
        [
            ("run_id", pa.int64()),
            ("point", pa.int64()),
            ("replication", pa.int64()),
            ("seed", pa.int64()),
        ]
        + [(name, _ARROW_TYPES[PARAMETERS[name].kind]) for name in swept]
        + [(name, pa.float64()) for name in spec.outcomes]
        + [(name, pa.list_(pa.float64())) for name in spec.series]
        + [("error", pa.string())]
    )


class ResultStore:
    """The output directory of one sweep: ``sweep.json`` (the validated spec and its hash, which a
    resumed sweep must match) and ``runs/*.parquet``."""

    def __init__(self, out_dir: str | Path, spec: SweepSpec) -> None:
        self.root = Path(out_dir)
        self.runs_dir = self.root / "runs"
        self.schema = result_schema(spec)
        marker = self.root / "sweep.json"
        if marker.exists() and json.loads(marker.read_text())["identity"] != spec.identity():
            raise ValueError(
                f"{self.root} holds results of a different sweep spec; "
                "use a new --out directory (or delete this one) to run a changed spec"
            )
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps({"identity": spec.identity(), "spec": asdict(spec)}, indent=1))
        for leftover in self.runs_dir.glob(".part-*.tmp"):  # chunks cut short by a kill
            leftover.unlink()

    def finished(self) -> tuple[set[int], int]:
        """Run ids already on disk, and how many of those runs failed."""
        if not any(self.runs_dir.glob("part-*.parquet")):
            return set(), 0
        done = pq.read_table(self.runs_dir, columns=["run_id", "error"], schema=self.schema)
        return set(done["run_id"].to_pylist()), len(done) - done["error"].null_count

    def write(self, rows: list[dict[str, Any]]) -> None:
        """Persist one finished batch atomically."""
        name = f"part-{min(r['run_id'] for r in rows):09d}.parquet"
        tmp = self.runs_dir / f".{name}.tmp"
        pq.write_table(pa.Table.from_pylist(rows, schema=self.schema), tmp)
        os.replace(tmp, self.runs_dir / name)

    def read(self) -> pd.DataFrame:
        """All runs, ordered by run id (the same table whatever executed them)."""
        table = pq.read_table(self.runs_dir, schema=self.schema)
        return table.to_pandas().sort_values("run_id").reset_index(drop=True)
