# SPDX-License-Identifier: GPL-2.0-only
ifneq ($(KERNELRELEASE),)
# --- Kbuild part: used in-tree (drivers/vfio/pci/hisilicon/) and out of tree ---
obj-$(CONFIG_HISI_ACC_VFIO_PCI) += hisi_acc_vfio_pci.o
# The VFIO glue, the migration core and the QM command sequences it runs
# (see hisi_acc_vfio_pci.h); the KUnit module tests the last two.
hisi_acc_vfio_pci-y := hisi_acc_vfio_pci_main.o hisi_acc_vfio_pci_mig.o \
	hisi_acc_vfio_pci_qm.o
# Out of tree there is no Kconfig: build the KUnit module when KUnit is on.
ifneq ($(KBUILD_EXTMOD),)
CONFIG_HISI_ACC_VFIO_PCI_KUNIT_TEST ?= $(if $(CONFIG_KUNIT),m)
# vfio_device_ops.get_region_info_caps (6.19) came without a macro to test:
# look for the member itself in the kernel's header.  Without the header the
# answer would silently be "no", which on 6.19 and later builds a module
# that fails every VFIO_DEVICE_GET_REGION_INFO: stop instead.
hacc_vfio_h := $(srctree)/include/linux/vfio.h
ifeq ($(wildcard $(hacc_vfio_h)),)
$(error $(hacc_vfio_h) not found: cannot tell this kernel's vfio_device_ops)
endif
ccflags-y += -DHACC_HAVE_REGION_INFO_CAPS=$(if $(shell grep -s get_region_info_caps $(hacc_vfio_h)),1,0)
endif
obj-$(CONFIG_HISI_ACC_VFIO_PCI_KUNIT_TEST) += hisi_acc_vfio_pci_test.o
# --- end of Kbuild part ---
else
# --- Out-of-tree build and project targets ---
# KDIR: a configured kernel build tree (default: the running kernel's).
KDIR ?= /lib/modules/$(shell uname -r)/build
M ?= $(CURDIR)

# The supported kernel range, kept in dkms.conf (BUILD_EXCLUSIVE_KERNEL):
# $(call kernel_check,RELEASE) stops with one error naming the range.
conf_var = $(shell sed -n 's/^$(1)="\(.*\)"$$/\1/p' $(CURDIR)/dkms.conf)
HACC_KERNELS := $(call conf_var,HACC_KERNELS)
HACC_KERNEL_RE := $(call conf_var,BUILD_EXCLUSIVE_KERNEL)
kernel_check = [ -n "$(HACC_ANY_KERNEL)" ] || [ -z '$(1)' ] || \
	echo '$(1)' | grep -Eq '$(HACC_KERNEL_RE)' || \
	{ echo "hisi_acc_vfio_pci supports kernels $(HACC_KERNELS), not '$(1)' (HACC_ANY_KERNEL=1 builds anyway)" >&2; exit 1; }

modules:
	@$(call kernel_check,$(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null))
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

# QEMU live migration of a VM that owns a VF, ours and mainline, both kernels;
# then, on a 6.12 test VM, 20 hops and 50 stop/cont cycles under load on
# each driver (far more than make check can take).
e2e:
	tools/setup/install-deps
	tools/e2e/run
	tools/e2e/run --kernel 6.12
	tools/e2e/run --load

# Ours against the mainline driver on the same model and boot; prints ratios.
bench:
	tools/setup/install-deps
	tools/bench/run

# The selftests on an arm64 guest with 64 KiB pages (not in make check).
check-64k:
	tools/setup/install-deps
	tools/check/arm64-64k

# Documentation/ as HTML in build/docs/html (Sphinx, warnings are errors).
docs:
	tools/check/docs.sh

# DKMS, as root on the target host: stage the driver sources in
# $(DKMS_SRCTREE)/hisi_acc_vfio_pci-<version>, then add, build and install
# them for kernel $(DKMS_KVER).  Whatever release of the driver dkms already
# has registered (older, newer or this one) is removed first, with its staged
# sources, so exactly one release stays registered: installing an older
# release's tree is the rollback.  DKMS_FLAGS takes further dkms options,
# e.g. --dkmstree, --installtree, --kernelsourcedir or --no-depmod.
DKMS_NAME := hisi_acc_vfio_pci
DKMS_VERSION := $(call conf_var,PACKAGE_VERSION)
DKMS_SRCTREE ?= /usr/src
DKMS_KVER ?= $(shell uname -r)
DKMS_FLAGS ?=
DKMS_SOURCES := Kconfig Makefile dkms.conf $(filter-out %.mod.c, \
	$(wildcard $(DKMS_NAME).c $(DKMS_NAME).h $(DKMS_NAME)_*.c $(DKMS_NAME)_*.h))
DKMS_MOD := --sourcetree $(DKMS_SRCTREE) -m $(DKMS_NAME) -v $(DKMS_VERSION)
# The versions dkms has registered ("name/version, kernel, arch: state" or
# "name/version: added"), one per line.
DKMS_REGISTERED = dkms status $(DKMS_FLAGS) --sourcetree $(DKMS_SRCTREE) \
	-m $(DKMS_NAME) 2>/dev/null | \
	sed -n 's|^$(DKMS_NAME)/\([^,:]*\)[,:].*|\1|p' | sort -u
# Remove every registered version for every kernel, and its staged sources.
define dkms_remove_all
	@for v in $$($(DKMS_REGISTERED)); do \
		echo "dkms: removing the registered $(DKMS_NAME)/$$v$(1)"; \
		dkms remove $(DKMS_FLAGS) --sourcetree $(DKMS_SRCTREE) \
			-m $(DKMS_NAME) -v $$v --all || exit 1; \
		rm -rf $(DKMS_SRCTREE)/$(DKMS_NAME)-$$v; \
	done
endef

dkms-install:
	@test -n "$(DKMS_VERSION)" || { echo "no PACKAGE_VERSION in dkms.conf" >&2; exit 1; }
	@$(call kernel_check,$(DKMS_KVER))
	$(call dkms_remove_all, first)
	rm -rf $(DKMS_SRCTREE)/$(DKMS_NAME)-$(DKMS_VERSION)
	install -d $(DKMS_SRCTREE)/$(DKMS_NAME)-$(DKMS_VERSION)
	install -m 0644 $(DKMS_SOURCES) $(DKMS_SRCTREE)/$(DKMS_NAME)-$(DKMS_VERSION)/
	dkms add $(DKMS_FLAGS) $(DKMS_MOD)
	dkms build $(DKMS_FLAGS) $(DKMS_MOD) -k $(DKMS_KVER)
	dkms install $(DKMS_FLAGS) $(DKMS_MOD) -k $(DKMS_KVER)
	@if [ -d /sys/module/$(DKMS_NAME) ]; then \
		loaded=$$(cat /sys/module/$(DKMS_NAME)/version 2>/dev/null); \
		echo "$(DKMS_NAME) $${loaded:-(no version: in-tree)} stays loaded until reloaded:" \
			"stop or migrate away the VMs using its VFs, unbind the VFs, then" \
			"modprobe -r $(DKMS_NAME); modprobe $(DKMS_NAME)"; \
	fi

# Unregister every registered version (any release, every kernel) and
# delete the staged sources; fails when nothing is registered.
dkms-remove:
	@test -n "$$($(DKMS_REGISTERED))" || { echo "dkms: no $(DKMS_NAME) registered" >&2; exit 1; }
	$(call dkms_remove_all,)

.PHONY: modules clean check check-64k demo e2e bench docs dkms-install dkms-remove
endif
