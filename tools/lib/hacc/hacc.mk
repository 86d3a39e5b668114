# SPDX-License-Identifier: GPL-2.0
# Make fragment for programs built on the hisi_acc userspace helper library
# (the selftests, tools/hacc-mig, benchmarks).  Include it, then add
# $(HACC_CFLAGS) to CFLAGS, $(HACC_LIB_SRCS) to the sources and
# $(HACC_UAPI_STAMP) as an order-only prerequisite.
#
# KSRC       kernel source used for the uAPI headers (default: Debian's
#            linux-source-7.3 unpacked under $(HISI_CACHE)/src)
# HACC_ARCH  x86 or arm64: whose asm/ uAPI headers (default: arm64 when $(CC)
#            is an aarch64 cross compiler, else x86)
# HACC_UAPI  where the exported headers live (default $(HISI_CACHE)/uapi-7.3,
#            $(HISI_CACHE)/uapi-7.3-arm64 for arm64), or "system": the
#            compiler's own <linux/vfio.h> (the distribution's
#            linux-libc-dev), with hacc_uapi.h defining what an older one
#            lacks.  The default when there is neither such a directory nor
#            a KSRC, as on a host that only installs the tools.
# HACC_HW_DIR directory of hisi_acc_vfio_pci_hw.h (default: repository top)

HACC_LIB_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
HACC_LIB_DIR := $(abspath $(HACC_LIB_DIR))
HACC_TOP ?= $(abspath $(HACC_LIB_DIR)/../../..)
HISI_CACHE ?= /var/cache/hisi-acc-vfio
# (a tree is a directory with a Makefile: not the unpacker's lock or .tmp)
KSRC ?= $(patsubst %/Makefile,%,$(lastword $(sort $(wildcard $(HISI_CACHE)/src/linux-source-7.3-*/Makefile))))
HACC_ARCH ?= $(if $(findstring aarch64,$(CC)),arm64,x86)
HACC_UAPI_CACHE := $(HISI_CACHE)/uapi-7.3$(if $(filter arm64,$(HACC_ARCH)),-arm64)
HACC_UAPI ?= $(if $(KSRC)$(wildcard $(HACC_UAPI_CACHE)/.done),$(HACC_UAPI_CACHE),system)
ifeq ($(HACC_UAPI),system)
HACC_UAPI_STAMP :=
HACC_UAPI_INC :=
else
HACC_UAPI_STAMP := $(HACC_UAPI)/.done
HACC_UAPI_INC := -isystem $(HACC_UAPI)/include
endif
HACC_HW_DIR ?= $(HACC_TOP)

HACC_LIB_SRCS := $(addprefix $(HACC_LIB_DIR)/,hacc_vfio.c hacc_guest.c hacc_stream.c hacc_sys.c)
HACC_LIB_HDRS := $(addprefix $(HACC_LIB_DIR)/,hacc_vfio.h hacc_guest.h hacc_stream.h hacc_sys.h \
		 hacc_uapi.h) \
		 $(HACC_HW_DIR)/hisi_acc_vfio_pci_hw.h
# The ZIP job engine (hacc_jobs.c) needs zlib to check results: programs
# that use it add $(HACC_JOBS_SRCS) to the sources and $(HACC_JOBS_LDLIBS).
HACC_JOBS_SRCS := $(HACC_LIB_DIR)/hacc_jobs.c
HACC_JOBS_HDRS := $(HACC_LIB_DIR)/hacc_jobs.h
HACC_JOBS_LDLIBS := -lz
HACC_CFLAGS := $(HACC_UAPI_INC) -I$(HACC_LIB_DIR) -I$(HACC_HW_DIR) \
	       -I$(HACC_TOP)/tools/qemu -D_GNU_SOURCE= -Wall -Wextra -Werror

ifneq ($(HACC_UAPI_STAMP),)
$(HACC_UAPI_STAMP):
	$(HACC_LIB_DIR)/mkuapi.sh "$(KSRC)" "$(HACC_UAPI)" "$(HACC_ARCH)"
endif

# With the system headers, one message (not a page of compiler errors) when
# <linux/vfio.h> predates the VFIO migration uAPI (Linux 5.18).
hacc_hash := \#
HACC_UAPI_CHECK = $(if $(HACC_UAPI_STAMP),:,printf '$(hacc_hash)include <linux/vfio.h>\n' | \
	$(CC) $(CFLAGS) -E -dM -x c - 2>/dev/null | grep -q ' VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE ' || \
	{ echo "the compiler's <linux/vfio.h> ($(CC)) predates the VFIO migration uAPI (Linux 5.18): install newer kernel headers (linux-libc-dev), or build with KSRC=<kernel source>" >&2; exit 1; })

# $(eval $(call hacc_prog,NAME)): build the program $(HACC_OUT)NAME from NAME.c
# and the library, e.g. `all: $(HACC_OUT)hacc-mig` +
# `$(eval $(call hacc_prog,hacc-mig))`.  HACC_OUT (empty, or a directory with
# a trailing slash) keeps a cross build apart from the native one.
HACC_OUT ?=
define hacc_prog
$(HACC_OUT)$(1): $(1).c $$(HACC_LIB_SRCS) $$(HACC_LIB_HDRS) | $$(HACC_UAPI_STAMP)
	@$$(HACC_UAPI_CHECK)
	$$(CC) $$(CFLAGS) $$(HACC_CFLAGS) $$(LDFLAGS) -o $$@ $(1).c $$(HACC_LIB_SRCS)
endef
