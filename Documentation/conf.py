# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration of the hisi_acc_vfio_pci documentation.
# Build: make docs (sphinx-build -W: every warning is an error).

import os
import re

project = "hisi_acc_vfio_pci"
copyright = "the hisi_acc_vfio_pci authors"
author = "the hisi_acc_vfio_pci authors"


def _driver_release():
    """The release, as MODULE_VERSION in the driver source says."""
    src = os.path.join(os.path.dirname(__file__), "..", "hisi_acc_vfio_pci_main.c")
    with open(src, encoding="utf-8") as f:
        m = re.search(r'^MODULE_VERSION\("([^"]+)"\);', f.read(), re.M)
    return m.group(1) if m else "unknown"


release = _driver_release()
version = release
master_doc = "index"
extensions = []
exclude_patterns = ["_build"]
templates_path = []
html_theme = "alabaster"
html_static_path = []
html_show_sourcelink = False
highlight_language = "none"

# The man page of tools/hacc-mig (make -C tools/hacc-mig man / install)
man_pages = [("hacc-mig", "hacc-mig",
              "move the migration state of HiSilicon accelerator VFs", "", 8)]
