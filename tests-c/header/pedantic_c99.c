/* zseg.h compiles as strict C99 (-std=c99 -Wall -Wextra -pedantic -Werror), and its plain
 * types have the layout the API contract fixes. Compiled by the header.* ctest tests only. */
#include "zseg.h"

/* C99 has no static_assert: a negative array size stops the compile. */
#define LAYOUT_CHECK(name, cond) typedef char layout_check_##name[(cond) ? 1 : -1]

LAYOUT_CHECK(result_is_32_bits, sizeof(zseg_result) == 4);
LAYOUT_CHECK(cparam_is_32_bits, sizeof(zseg_cparam) == 4);
LAYOUT_CHECK(dparam_is_32_bits, sizeof(zseg_dparam) == 4);
LAYOUT_CHECK(segment_is_16_bytes, sizeof(zseg_segment) == 16);
LAYOUT_CHECK(slice_is_pointer_and_size, sizeof(zseg_slice) == sizeof(void *) + sizeof(size_t));
LAYOUT_CHECK(error_message_is_256_bytes, sizeof(((zseg_error *)0)->message) == 256);
LAYOUT_CHECK(ok_is_zero, ZSEG_OK == 0);
LAYOUT_CHECK(internal_is_14, ZSEG_ERR_INTERNAL == 14);
LAYOUT_CHECK(size_unknown_is_u64_max, ZSEG_SIZE_UNKNOWN == UINT64_MAX);

/* Uses the declarations so a wrong prototype is a compile error, not a silent pass. */
int header_c99_uses_declarations(void);
int header_c99_uses_declarations(void) {
    zseg_buffer *buf = 0;
    zseg_collection *coll = 0;
    zseg_error err;
    zseg_slice view;
    zseg_batch_options opts;
    const zseg_buffer *bufs[1];
    zseg_result rc = zseg_buffer_new_copy(0, 0, 0, 0, &buf, &err);
    zseg_batch_options_init(&opts);
    bufs[0] = buf;
    rc |= zseg_collection_new(bufs, 1, &coll, &err);
    rc |= zseg_collection_get(coll, 0, &view);
    zseg_collection_free(coll);
    zseg_buffer_free(buf);
    return (int)rc + (int)zseg_zstd_version() + (zseg_version()[0] == '0');
}
