"""Executes every notebook in this folder; fails on the first cell that raises.

Used by .ci/run in a virtualenv with nbclient, nbformat, ipykernel, pandas and matplotlib.
"""

import pathlib
import sys

import nbformat
from nbclient import NotebookClient

here = pathlib.Path(__file__).resolve().parent
failed = False
for path in sorted(here.glob("*.ipynb")):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(here)}})
    try:
        client.execute()
        print(f"ok: {path.name}")
    except Exception as error:  # report every notebook, then fail
        failed = True
        print(f"FAILED: {path.name}: {error}", file=sys.stderr)
sys.exit(1 if failed else 0)
