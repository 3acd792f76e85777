"""bench/eval_by_source.py: per-source means of `findcolor eval`'s eval.csv (a file name's part before
`__`), nan and empty cells left out of a column's mean."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_means_per_source_skip_nan_and_missing(tmp_path):
    csv = tmp_path / "eval.csv"
    csv.write_text('file,psnr@0,leak_share\n'
                   '"a__1.jpg",20.0,0.5\n'
                   '"a__2.jpg",22.0,nan\n'
                   '"b__1.jpg",30.0,0.1\n'
                   '"plain.jpg",25.0,\n')
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "eval_by_source.py"), str(csv),
                          "--columns", "psnr@0,leak_share,invented"], capture_output=True, text=True, check=True).stdout
    rows = {line.split("|")[2].strip(): [c.strip() for c in line.split("|")[3:-1]]
            for line in out.splitlines()[2:]}
    assert rows["a"] == ["2", "21.000", "0.500", ""]  # photos, psnr@0, leak_share (nan left out), no such column
    assert rows["b"] == ["1", "30.000", "0.100", ""]
    assert rows["-"] == ["1", "25.000", "", ""]  # no `__`: source "-"
    assert rows["all"] == ["4", "24.250", "0.300", ""]
    assert list(rows)[-1] == "all"


def test_missing_or_foreign_csv_is_a_clear_error(tmp_path):
    script = str(ROOT / "bench" / "eval_by_source.py")
    r = subprocess.run([sys.executable, script, str(tmp_path / "nope.csv")], capture_output=True, text=True)
    assert r.returncode == 2 and "cannot read" in r.stderr and "Traceback" not in r.stderr
    other = tmp_path / "other.csv"
    other.write_text("name,value\nx,1\n")
    r = subprocess.run([sys.executable, script, str(other)], capture_output=True, text=True)
    assert r.returncode == 2 and "no 'file' column" in r.stderr and "Traceback" not in r.stderr
