/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the two hisi_acc_vfio_pci drivers intentionally differ, in one
 * place.  "Ours" values follow Documentation/migration-stream.rst
 * (Errors); the
 * mainline values are what drivers/vfio/pci/hisilicon does in 6.12..7.3.
 */
#ifndef HACC_SELFTEST_EXPECT_H
#define HACC_SELFTEST_EXPECT_H

#include <errno.h>

/* write() of a match header that does not fit this VF, while RESUMING */
#define OURS_MATCH_ERRNO	EPROTO
#define MAINLINE_MATCH_ERRNO	EFAULT

/* write() past the end of one stream record */
#define OURS_OVERSIZE_ERRNO	EFBIG
#define MAINLINE_OVERSIZE_ERRNO	ENOMEM

/* RESUMING -> STOP with a stream shorter than one record */
#define OURS_TRUNCATED_ERRNO	ENODATA
#define MAINLINE_TRUNCATED_ERRNO EINVAL

#endif /* HACC_SELFTEST_EXPECT_H */
