// zseg.h compiles as strict C++11 (-std=c++11 -Wall -Wextra -pedantic -Werror), with C
// linkage and the layout the API contract fixes. Compiled by the header.* ctest tests only.
#include "zseg.h"
#include "zseg.h"

#include <cstdint>
#include <type_traits>

static_assert(sizeof(zseg_result) == 4, "zseg_result is 32 bits");
static_assert(std::is_same<std::underlying_type<zseg_result>::type, std::uint32_t>::value,
              "zseg_result is a uint32_t enum");
static_assert(sizeof(zseg_cparam) == 4 && sizeof(zseg_dparam) == 4, "params are 32 bits");
static_assert(sizeof(zseg_segment) == 16, "zseg_segment is 16 bytes");
static_assert(sizeof(zseg_error::message) == ZSEG_ERROR_MESSAGE_SIZE, "message size");
static_assert(ZSEG_OK == 0 && ZSEG_ERR_INTERNAL == 14, "result values are ABI");

// Function pointer types must match the declarations exactly (C linkage, same signature).
static zseg_result (*const new_copy)(const std::uint8_t *, size_t, const zseg_segment *, size_t,
                                     zseg_buffer **, zseg_error *) = zseg_buffer_new_copy;
static zseg_result (*const collection_get)(const zseg_collection *, size_t,
                                           zseg_slice *) = zseg_collection_get;

int header_cxx11_uses_declarations();
int header_cxx11_uses_declarations() {
    zseg_buffer *buf = nullptr;
    zseg_error err;
    zseg_slice view;
    zseg_result rc = new_copy(nullptr, 0, nullptr, 0, &buf, &err);
    const zseg_buffer *bufs[] = {buf};
    zseg_collection *coll = nullptr;
    if (zseg_collection_new(bufs, 1, &coll, &err) == ZSEG_OK) {
        rc = collection_get(coll, 0, &view);
    }
    zseg_collection_free(coll);
    zseg_buffer_free(buf);
    return static_cast<int>(rc) + static_cast<int>(zseg_zstd_version());
}
