# SPDX-License-Identifier: GPL-2.0-only
ifneq ($(KERNELRELEASE),)
# --- Kbuild part: used in-tree (drivers/vfio/pci/hisilicon/) and out of tree ---
obj-$(CONFIG_HISI_ACC_VFIO_PCI) += hisi_acc_vfio_pci.o
# Out of tree there is no Kconfig: build the KUnit module when KUnit is on.
ifneq ($(KBUILD_EXTMOD),)
CONFIG_HISI_ACC_VFIO_PCI_KUNIT_TEST ?= $(if $(CONFIG_KUNIT),m)
endif
obj-$(CONFIG_HISI_ACC_VFIO_PCI_KUNIT_TEST) += hisi_acc_vfio_pci_test.o
# --- end of Kbuild part ---
else
# --- Out-of-tree build and project targets ---
# KDIR: a configured kernel build tree (default: the running kernel's).
KDIR ?= /lib/modules/$(shell uname -r)/build
M ?= $(CURDIR)

modules:
	$(MAKE) -C $(KDIR) M=$(M) CONFIG_HISI_ACC_VFIO_PCI=m modules

clean:
	$(MAKE) -C $(KDIR) M=$(M) clean

# Everything below runs on a Debian 12 host as root and installs what it needs.
check:
	tools/check/run

# Boot the model VM, bind two VFs to this driver, migrate A -> B with PRE_COPY.
demo:
	tools/setup/install-deps
	$(MAKE) -C tools/hacc-mig
	tools/vm/run --kernel 7.3 --model --name demo -- tools/hacc-mig/demo.sh

# QEMU live migration of a VM that owns a VF, ours and mainline, both kernels.
e2e:
	tools/setup/install-deps
	tools/e2e/run
	tools/e2e/run --kernel 6.12

# Ours against the mainline driver on the same model and boot; prints ratios.
bench:
	tools/setup/install-deps
	tools/bench/run

.PHONY: modules clean check demo e2e bench
endif
