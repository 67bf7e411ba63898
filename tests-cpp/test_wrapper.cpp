// Tests of the C++17 wrapper include/zseg.hpp: every handle type, RAII frees (the valgrind
// variant of this test checks that nothing leaks), move semantics, views, the range-based batch
// API, exceptions and the try_* results, progress callbacks, seekable files.
// Built with -std=c++17 -Wall -Wextra -pedantic -Werror (and more warnings) by CMakeLists.txt.
#include "zseg.hpp"

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unistd.h>
#include <vector>

using namespace std::string_view_literals;

// ---------------------------------------------------------------------------------------------
// A tiny test harness (as tests-c/check.h: record failures and keep going)

static int failures = 0;

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            std::fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__,       \
                         __func__, #cond);                                                  \
            failures++;                                                                     \
        }                                                                                   \
    } while (0)

#define CHECK_EQ(a, b)                                                                      \
    do {                                                                                    \
        auto check_a_ = (a);                                                                \
        auto check_b_ = (b);                                                                \
        if (!(check_a_ == check_b_)) {                                                      \
            std::fprintf(stderr, "%s:%d: %s: CHECK_EQ(%s, %s) failed: %s != %s\n", __FILE__, \
                         __LINE__, __func__, #a, #b, show(check_a_).c_str(),                \
                         show(check_b_).c_str());                                           \
            failures++;                                                                     \
        }                                                                                   \
    } while (0)

// Runs expr, which must throw zseg::error; binds it to `e` for the checks in the block that
// follows: CHECK_THROWS(expr, e) { CHECK(e.code() == ...); }
#define CHECK_THROWS(expr, e)                                                               \
    for (auto [caught_, e] = std::pair<bool, zseg::error>(false, zseg::error(ZSEG_OK, ""));   \
         !caught_; caught_ = true)                                                          \
        if (!throws_zseg_error([&] { (void)(expr); }, e, __FILE__, __LINE__, #expr)) {      \
        } else

template <class T>
static std::string show(const T &v) {
    if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>)
        return "\"" + std::string(v) + "\"";
    else if constexpr (std::is_same_v<T, zseg::bytes>)
        return "\"" + v.to_string() + "\"";
    else if constexpr (std::is_same_v<T, zseg_result>)
        return zseg_result_str(v);
    else if constexpr (std::is_pointer_v<T> || std::is_null_pointer_v<T>)
        return v ? "(pointer)" : "nullptr";
    else if constexpr (std::is_arithmetic_v<T>)
        return std::to_string(v);
    else
        return "(value)";
}

template <class F>
static bool throws_zseg_error(F &&f, zseg::error &out, const char *file, int line,
                              const char *what) {
    try {
        f();
    } catch (const zseg::error &e) {
        out = e;
        return true;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s:%d: %s threw another exception: %s\n", file, line, what,
                     e.what());
        failures++;
        return false;
    }
    std::fprintf(stderr, "%s:%d: %s did not throw\n", file, line, what);
    failures++;
    return false;
}

static void run(const char *name, void (*test)()) {
    int before = failures;
    try {
        test();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s: unexpected exception: %s\n", name, e.what());
        failures++;
    }
    std::printf("%s %s\n", failures == before ? "ok  " : "FAIL", name);
}

static bool under_valgrind() { return std::getenv("ZSEG_TEST_UNDER_VALGRIND") != nullptr; }

// Items with some redundancy, every 5th one empty.
static std::vector<std::string> make_items(std::size_t n) {
    std::vector<std::string> items;
    for (std::size_t i = 0; i < n; i++) {
        if (i % 5 == 4) {
            items.emplace_back();
            continue;
        }
        std::string s = "{\"id\":" + std::to_string(i) + ",\"name\":\"item-" + std::to_string(i * 7) +
                        "\",\"tags\":[\"alpha\",\"bravo\",\"charlie\"],\"pad\":\"";
        s.append(i % 97, static_cast<char>('a' + i % 26));
        s += "\"}";
        items.push_back(std::move(s));
    }
    return items;
}

template <class R>
static bool same_items(const zseg::collection &c, const R &expected) {
    std::size_t i = 0;
    for (const auto &want : expected) {
        if (i >= c.size() || c[i] != zseg::bytes(want)) return false;
        i++;
    }
    return i == c.size();
}

// ---------------------------------------------------------------------------------------------
// Compile-time properties

template <class T>
constexpr bool move_only_v = !std::is_copy_constructible_v<T> && !std::is_copy_assignable_v<T> &&
                             std::is_nothrow_move_constructible_v<T> &&
                             std::is_nothrow_move_assignable_v<T>;
static_assert(move_only_v<zseg::buffer>);
static_assert(move_only_v<zseg::collection>);
static_assert(move_only_v<zseg::compressor>);
static_assert(move_only_v<zseg::decompressor>);
static_assert(move_only_v<zseg::seekable>);
static_assert(std::is_trivially_copyable_v<zseg::bytes>);
static_assert(std::is_trivially_copyable_v<zseg::buffer_view>);
static_assert(std::is_same_v<decltype(std::declval<zseg::buffer &>().release()), zseg_buffer *>);
static_assert(std::is_same_v<decltype(std::declval<const zseg::collection &>().get()), zseg_collection *>);
static_assert(std::is_base_of_v<std::runtime_error, zseg::error>);
static_assert(std::is_nothrow_copy_constructible_v<zseg::error>);
// What counts as a range of items, and what does not.
static_assert(zseg::detail::is_items_range_v<std::vector<std::string>>);
static_assert(zseg::detail::is_items_range_v<std::vector<std::vector<std::uint8_t>>>);
static_assert(zseg::detail::is_items_range_v<std::vector<std::vector<std::byte>>>);
static_assert(zseg::detail::is_items_range_v<std::list<std::string_view>>);
static_assert(zseg::detail::is_items_range_v<std::array<zseg::bytes, 3>>);
static_assert(!zseg::detail::is_items_range_v<std::string>);
static_assert(!zseg::detail::is_items_range_v<std::vector<int>>);
static_assert(!zseg::detail::is_items_range_v<std::vector<std::vector<int>>>);
static_assert(!zseg::detail::is_items_range_v<zseg::collection>);
static_assert(!zseg::detail::is_items_range_v<zseg::buffer>);
// Views of a temporary would dangle: they are not offered.
template <class T, class = void>
struct can_index : std::false_type {};
template <class T>
struct can_index<T, std::void_t<decltype(std::declval<T>()[0])>> : std::true_type {};
static_assert(can_index<zseg::collection &>::value && !can_index<zseg::collection>::value);
static_assert(can_index<zseg::buffer &>::value && !can_index<zseg::buffer>::value);
static_assert(can_index<zseg::buffer_view>::value);  // a view of a longer-lived buffer
template <class T, class = void>
struct can_begin : std::false_type {};
template <class T>
struct can_begin<T, std::void_t<decltype(std::declval<T>().begin())>> : std::true_type {};
static_assert(can_begin<zseg::collection &>::value && !can_begin<zseg::collection>::value);
static_assert(can_begin<zseg::buffer &>::value && !can_begin<zseg::buffer>::value);
static_assert(can_begin<zseg::buffer_view>::value);
template <class T, class = void>
struct can_arrow : std::false_type {};
template <class T>
struct can_arrow<T, std::void_t<decltype(std::declval<T>().operator->())>> : std::true_type {};
static_assert(can_arrow<zseg::result<zseg::collection> &>::value);
static_assert(can_arrow<const zseg::result<zseg::collection> &>::value);
static_assert(!can_arrow<zseg::result<zseg::collection>>::value);
// Memory the library would go on reading after a temporary owning it is gone is refused.
template <class T, class = void>
struct can_open_memory : std::false_type {};
template <class T>
struct can_open_memory<T, std::void_t<decltype(zseg::seekable::open_memory(std::declval<T>())),
                                      decltype(zseg::seekable::try_open_memory(std::declval<T>()))>>
    : std::true_type {};
static_assert(can_open_memory<std::vector<std::uint8_t> &>::value);
static_assert(can_open_memory<zseg::bytes>::value && can_open_memory<std::string_view>::value);
static_assert(!can_open_memory<std::vector<std::uint8_t>>::value);
static_assert(!can_open_memory<std::string>::value);
template <class T, class = void>
struct can_borrow : std::false_type {};
template <class T>
struct can_borrow<T, std::void_t<decltype(zseg::buffer::borrow(std::declval<T>(), {}, nullptr,
                                                               nullptr))>> : std::true_type {};
static_assert(can_borrow<std::string &>::value && !can_borrow<std::string>::value);
template <class T, class = void>
struct can_adopt : std::false_type {};
template <class T>
struct can_adopt<T, std::void_t<decltype(zseg::buffer::adopt(std::declval<T>(), {}))>>
    : std::true_type {};
static_assert(can_adopt<std::string>::value && can_adopt<std::vector<std::uint8_t>>::value);
static_assert(!can_adopt<std::string_view>::value && !can_adopt<zseg::bytes>::value);
static_assert(!can_adopt<std::string &>::value);
// A range whose elements are containers made on the fly is not a range of items: the call
// would read them after they are destroyed. Views made on the fly are fine.
template <class Element>
struct made_on_the_fly {
    struct iterator {
        int i;
        Element operator*() const { return Element(4, 'x'); }
        iterator &operator++() { ++i; return *this; }
        bool operator!=(const iterator &o) const { return i != o.i; }
    };
    iterator begin() const { return {0}; }
    iterator end() const { return {3}; }
};
struct views_on_the_fly {
    struct iterator {
        int i;
        std::string_view operator*() const { return "xxxx"; }
        iterator &operator++() { ++i; return *this; }
        bool operator!=(const iterator &o) const { return i != o.i; }
    };
    iterator begin() const { return {0}; }
    iterator end() const { return {3}; }
};
static_assert(!zseg::detail::is_items_range_v<made_on_the_fly<std::string>>);
static_assert(zseg::detail::is_items_range_v<views_on_the_fly>);

// ---------------------------------------------------------------------------------------------
// Tests

static void test_version() {
    CHECK_EQ(std::string(zseg::version()), std::string(ZSEG_VERSION_STRING));
    CHECK(zseg::zstd_version() >= 10400);
    CHECK_EQ(std::string(zseg::result_str(ZSEG_ERR_ZSTD)), std::string("ZSEG_ERR_ZSTD"));
}

static void test_bytes() {
    zseg::bytes empty;
    CHECK(empty.empty());
    CHECK(empty.data() == nullptr);
    CHECK(empty.begin() == empty.end());
    CHECK(empty.str().empty());

    zseg::bytes lit = "hello";
    CHECK_EQ(lit.size(), std::size_t{5});
    CHECK_EQ(lit.str(), "hello"sv);
    CHECK_EQ(static_cast<std::string_view>(lit), "hello"sv);
    CHECK_EQ(lit.to_string(), std::string("hello"));
    CHECK_EQ(lit[1], std::uint8_t{'e'});

    // A char array is read up to its first NUL and never past its end (strlen would run on).
    char raw[4] = {'a', 'b', 'c', 'd'};
    CHECK_EQ(zseg::bytes(raw).size(), std::size_t{4});
    char buf[16] = "hi";
    CHECK_EQ(zseg::bytes(buf).str(), "hi"sv);
    const char *ptr = "pointer";
    CHECK_EQ(zseg::bytes(ptr).size(), std::size_t{7});
    CHECK(zseg::bytes(static_cast<const char *>(nullptr)).empty());

    std::string s("a\0b", 3);
    zseg::bytes from_string = s;
    CHECK_EQ(from_string.size(), std::size_t{3});
    CHECK(from_string.data() == reinterpret_cast<const std::uint8_t *>(s.data()));

    std::vector<std::uint8_t> v = {1, 2, 3};
    zseg::bytes from_vector = v;
    CHECK(from_vector.to_vector() == v);
    std::size_t sum = 0;
    for (std::uint8_t x : from_vector) sum += x;
    CHECK_EQ(sum, std::size_t{6});

    std::vector<std::byte> vb = {std::byte{1}, std::byte{2}, std::byte{3}};
    CHECK(zseg::bytes(vb) == zseg::bytes(v));
    CHECK(zseg::bytes("abc") != zseg::bytes("abd"));
    CHECK(zseg::bytes("") == zseg::bytes());

    zseg_slice slice = lit.slice();
    CHECK(slice.ptr == lit.data() && slice.len == 5);
    CHECK(zseg::bytes(slice) == lit);
}

static std::atomic<int> releases{0};
static void count_release(void *ctx) {
    releases++;
    *static_cast<int *>(ctx) += 1;
}

// An owner type for buffer::adopt that reports its destruction.
struct tracked {
    std::vector<std::uint8_t> v;
    int *destroyed;
    tracked(std::vector<std::uint8_t> data, int *d) : v(std::move(data)), destroyed(d) {}
    tracked(tracked &&o) noexcept : v(std::move(o.v)), destroyed(std::exchange(o.destroyed, nullptr)) {}
    tracked(const tracked &) = delete;
    tracked &operator=(const tracked &) = delete;
    tracked &operator=(tracked &&) = delete;
    ~tracked() {
        if (destroyed) ++*destroyed;
    }
    const std::uint8_t *data() const { return v.data(); }
    std::size_t size() const { return v.size(); }
};

static void test_buffer() {
    const std::string data = "hello, world";
    std::vector<zseg_segment> segs = {{0, 5}, {7, 5}, {3, 0}};
    zseg::buffer b = zseg::buffer::copy(data, segs);
    CHECK(b);
    CHECK_EQ(b.size(), std::size_t{3});
    CHECK_EQ(b.data_size(), data.size());
    CHECK(b.data() == zseg::bytes(data));
    CHECK(b.data().data() != reinterpret_cast<const std::uint8_t *>(data.data()));  // a copy
    CHECK_EQ(b[0].str(), "hello"sv);
    CHECK_EQ(b.at(1).str(), "world"sv);
    CHECK(b[2].empty());
    CHECK_EQ(b.segments().size(), std::size_t{3});
    CHECK_EQ(b.segments()[1].offset, std::uint64_t{7});
    std::vector<std::string> seen;
    for (zseg::bytes item : b) seen.push_back(item.to_string());
    CHECK(seen == (std::vector<std::string>{"hello", "world", ""}));

    CHECK_THROWS(b.at(3), e) {
        CHECK_EQ(e.code(), ZSEG_ERR_INDEX);
        CHECK(std::string(e.what()).find("ZSEG_ERR_INDEX") != std::string::npos);
    }

    // A segment out of bounds names its index.
    std::vector<zseg_segment> bad = {{0, 1}, {UINT64_MAX, 2}};
    CHECK_THROWS(zseg::buffer::copy(data, bad), e) {
        CHECK_EQ(e.code(), ZSEG_ERR_SEGMENT_BOUNDS);
        CHECK(e.item().has_value() && *e.item() == 1);
        CHECK(!e.message().empty());
    }

    // pack: one item per element.
    zseg::buffer packed = zseg::buffer::pack(std::vector<std::string>{"ab", "", "cde"});
    CHECK_EQ(packed.size(), std::size_t{3});
    CHECK_EQ(packed.data_size(), std::size_t{5});
    CHECK_EQ(packed[2].str(), "cde"sv);
    zseg::buffer packed2 = zseg::buffer::pack({"x", "yz"});
    CHECK_EQ(packed2[1].str(), "yz"sv);
    CHECK(zseg::buffer::pack(std::vector<std::string>{}).size() == 0);

    // borrow: zero-copy, the release callback runs once, when the last holder goes.
    int released = 0;
    {
        zseg::buffer borrowed = zseg::buffer::borrow(data, segs, &count_release, &released);
        CHECK(borrowed.data().data() == reinterpret_cast<const std::uint8_t *>(data.data()));
        zseg::collection c = zseg::collection::of({borrowed});
        borrowed.reset();
        CHECK(!borrowed);
        CHECK_EQ(released, 0);  // the collection still holds it
        CHECK_EQ(c[1].str(), "world"sv);
    }
    CHECK_EQ(released, 1);
    // On failure the callback does not run and the caller keeps its memory.
    CHECK_THROWS(zseg::buffer::borrow(data, bad, &count_release, &released), e) {
        CHECK_EQ(e.code(), ZSEG_ERR_SEGMENT_BOUNDS);
    }
    CHECK_EQ(released, 1);

    // adopt: takes the container, destroys it with the last holder.
    int destroyed = 0;
    {
        tracked t({'a', 'b', 'c'}, &destroyed);
        const std::uint8_t *p = t.data();
        zseg::buffer adopted = zseg::buffer::adopt(std::move(t), std::vector<zseg_segment>{{1, 2}});
        CHECK(adopted.data().data() == p);  // moved, not copied
        CHECK_EQ(adopted[0].str(), "bc"sv);
        CHECK_EQ(destroyed, 0);
    }
    CHECK_EQ(destroyed, 1);
    {
        tracked t({'a'}, &destroyed);
        CHECK_THROWS(zseg::buffer::adopt(std::move(t), std::vector<zseg_segment>{{0, 2}}), e) {
            CHECK_EQ(e.code(), ZSEG_ERR_SEGMENT_BOUNDS);
        }
        CHECK_EQ(destroyed, 2);  // the adopted copy is destroyed on failure
    }
    std::string big(1000, 'z');  // not small-string optimized: the heap block moves along
    const char *bp = big.data();
    zseg::buffer from_string = zseg::buffer::adopt(std::move(big), std::vector<zseg_segment>{{0, 1000}});
    CHECK(from_string.data().data() == reinterpret_cast<const std::uint8_t *>(bp));
}

static void test_move_semantics() {
    zseg::buffer a = zseg::buffer::pack({"one", "two"});
    zseg_buffer *raw = a.get();
    zseg::buffer b = std::move(a);
    CHECK(!a);  // NOLINT(bugprone-use-after-move): moved-from handles are empty
    CHECK(a.get() == nullptr);
    CHECK(b.get() == raw);
    CHECK_EQ(a.size(), std::size_t{0});  // an empty handle reads as empty

    zseg::buffer c = zseg::buffer::pack({"three"});
    c = std::move(b);  // frees c's old buffer (valgrind checks)
    CHECK(c.get() == raw);
    CHECK(!b);
    auto &self = c;
    c = std::move(self);  // self-move keeps the handle
    CHECK(c.get() == raw);

    zseg_buffer *released = c.release();
    CHECK(released == raw);
    CHECK(!c);
    zseg::buffer readopted = zseg::buffer::from_raw(released);
    CHECK_EQ(readopted[1].str(), "two"sv);

    zseg::compressor comp(1);
    zseg::compressor comp2 = std::move(comp);
    CHECK(!comp);
    CHECK(comp2);
    zseg::compressor comp3(5);
    comp3 = std::move(comp2);
    CHECK(comp3);
    zseg_compressor *rc = comp3.release();
    zseg_compressor_free(rc);

    zseg::decompressor d;
    zseg::decompressor d2(std::move(d));
    CHECK(!d && d2);
    d = std::move(d2);
    CHECK(d && !d2);

    zseg::collection coll;
    CHECK(!coll);
    CHECK_EQ(coll.size(), std::size_t{0});
    zseg::collection frames = zseg::compressor(3).compress(std::vector<std::string>{"x"});
    zseg::collection moved(std::move(frames));
    CHECK(!frames && moved);
    CHECK_EQ(moved.size(), std::size_t{1});

    std::vector<zseg::collection> many;  // handles live in containers
    for (int i = 0; i < 20; i++) many.push_back(zseg::compressor(1).compress({"item"}));
    CHECK_EQ(many[19].size(), std::size_t{1});
}

static void test_collection() {
    zseg::buffer b1 = zseg::buffer::pack({"a", "bb"});
    zseg::buffer b2 = zseg::buffer::pack(std::vector<std::string>{});
    zseg::buffer b3 = zseg::buffer::pack({"ccc", "", "dddd"});
    zseg::collection c = zseg::collection::of({b1, b2, b3});
    b1.reset();  // shared: the collection keeps it alive
    CHECK_EQ(c.size(), std::size_t{5});
    CHECK_EQ(c.total_size(), std::size_t{10});
    CHECK_EQ(c.buffer_count(), std::size_t{3});
    CHECK_EQ(c.buffer(0).size(), std::size_t{2});
    CHECK_EQ(c.buffer(2)[2].str(), "dddd"sv);
    CHECK(same_items(c, std::vector<std::string>{"a", "bb", "ccc", "", "dddd"}));
    CHECK_THROWS(c.at(5), e) { CHECK_EQ(e.code(), ZSEG_ERR_INDEX); }
    CHECK_THROWS(c.buffer(3), e) { CHECK_EQ(e.code(), ZSEG_ERR_INDEX); }

    // From a vector of buffer views (e.g. borrowed from another collection).
    std::vector<zseg::buffer_view> views = {c.buffer(2), c.buffer(0)};
    zseg::collection c2 = zseg::collection::of(views);
    CHECK(same_items(c2, std::vector<std::string>{"ccc", "", "dddd", "a", "bb"}));

    zseg::collection empty = zseg::collection::of(std::vector<zseg::buffer_view>{});
    CHECK(empty);
    CHECK(empty.empty());
    CHECK(empty.begin() == empty.end());
}

static void test_compress_ranges() {
    zseg::compressor c(3);
    zseg::decompressor d;
    const std::vector<std::string> strings = {"first", "second", "", "fourth item, a bit longer"};
    zseg::collection ref = c.compress(strings);
    CHECK_EQ(ref.size(), strings.size());
    CHECK(same_items(d.decompress(ref), strings));

    // Every kind of range gives the same frames.
    std::vector<std::string_view> views(strings.begin(), strings.end());
    std::vector<std::vector<std::uint8_t>> vecs;
    for (const auto &s : strings) vecs.emplace_back(s.begin(), s.end());
    std::list<std::string> list(strings.begin(), strings.end());
    std::array<zseg::bytes, 4> arr = {strings[0], strings[1], strings[2], strings[3]};
    zseg::buffer buf = zseg::buffer::pack(strings);
    std::vector<zseg::collection> outs;
    outs.push_back(c.compress(views));
    outs.push_back(c.compress(vecs));
    outs.push_back(c.compress(list));
    outs.push_back(c.compress(arr));
    outs.push_back(c.compress({"first", strings[1], ""sv, zseg::bytes(vecs[3])}));
    outs.push_back(c.compress(buf));
    outs.push_back(c.compress(zseg::collection::of({buf})));
    for (const auto &o : outs) {
        CHECK_EQ(o.size(), ref.size());
        for (std::size_t i = 0; i < ref.size() && i < o.size(); i++) CHECK(o[i] == ref[i]);
    }

    // Frames are standard: the content size is in the header.
    CHECK_EQ(zseg::frame_content_size(ref[3]), std::uint64_t{strings[3].size()});

    // Decompress from the same kinds of ranges, with and without sizes.
    std::vector<std::string> frame_copies;
    for (zseg::bytes f : ref) frame_copies.push_back(f.to_string());
    CHECK(same_items(d.decompress(frame_copies), strings));
    CHECK(same_items(d.decompress(ref.buffer(0)), strings));
    std::vector<std::uint64_t> sizes;
    for (const auto &s : strings) sizes.push_back(s.size());
    CHECK(same_items(d.decompress(frame_copies, sizes), strings));
    sizes[1] = zseg::size_unknown;
    CHECK(same_items(d.decompress(ref, sizes), strings));
    std::vector<std::uint64_t> short_sizes = {1};
    CHECK_THROWS(d.decompress(ref, short_sizes), e) {
        CHECK_EQ(e.code(), ZSEG_ERR_INVALID_ARGUMENT);
    }
    sizes[0] = 99;
    CHECK_THROWS(d.decompress(frame_copies, sizes), e) {
        CHECK_EQ(e.code(), ZSEG_ERR_SIZE_MISMATCH);
        CHECK(e.item() == std::optional<std::uint64_t>(0));
    }

    // An empty batch is an empty collection.
    zseg::collection none = c.compress(std::vector<std::string>{});
    CHECK(none);
    CHECK_EQ(none.size(), std::size_t{0});
    CHECK_EQ(d.decompress(none).size(), std::size_t{0});
}

static void test_threads_and_params() {
    const std::size_t n = under_valgrind() ? 200 : 3000;
    std::vector<std::string> items = make_items(n);
    zseg::compressor c(5);
    c.set_param(ZSEG_CPARAM_CHECKSUM, 1).set_param(ZSEG_CPARAM_CONTENT_SIZE, 1);
    zseg::batch_options one, four;
    four.threads = 4;
    zseg::collection a = c.compress(items, one);
    zseg::collection b = c.compress(items, four);
    CHECK_EQ(a.size(), n);
    bool same = a.size() == b.size();
    for (std::size_t i = 0; same && i < a.size(); i++) same = a[i] == b[i];
    CHECK(same);  // output bytes never depend on the worker count
    CHECK(c.memory_size() > 0);

    zseg::decompressor d;
    d.set_param(ZSEG_DPARAM_WINDOW_LOG_MAX, 27).set_max_item_size(1 << 20);
    CHECK(same_items(d.decompress(b, four), items));

    CHECK_THROWS(c.set_param(ZSEG_CPARAM_WINDOW_LOG, 99), e) {
        CHECK_EQ(e.code(), ZSEG_ERR_INVALID_ARGUMENT);
    }
    CHECK_THROWS(zseg::compressor(1000), e) { CHECK_EQ(e.code(), ZSEG_ERR_INVALID_ARGUMENT); }
    CHECK_THROWS(d.set_param(static_cast<zseg_dparam>(999), 1), e) {
        CHECK_EQ(e.code(), ZSEG_ERR_INVALID_ARGUMENT);
    }

    // Limits: the total limit fails the whole batch, with no item.
    d.set_max_total_size(10);
    CHECK_THROWS(d.decompress(b), e) {
        CHECK_EQ(e.code(), ZSEG_ERR_LIMIT);
        CHECK(!e.item().has_value());
    }
}

static void test_errors_on_bad_frame() {
    zseg::compressor c;
    zseg::decompressor d;
    zseg::collection frames = c.compress({"good one", "good two", "good three"});
    std::vector<std::string> input = {frames[0].to_string(), "this is not a zstd frame",
                                      frames[2].to_string()};

    // Throwing: the exception carries code, item, zstd code and message.
    CHECK_THROWS(d.decompress(input), e) {
        CHECK_EQ(e.code(), ZSEG_ERR_ZSTD);
        CHECK(e.item().has_value());
        CHECK_EQ(e.item().value_or(99), std::uint64_t{1});
        CHECK(e.zstd_code() != 0);
        CHECK(!e.message().empty());
        std::string what = e.what();
        CHECK(what.find("ZSEG_ERR_ZSTD") == 0);
        CHECK(what.find("item 1") != std::string::npos);  // the library's message names it
        CHECK(what.find(std::string(e.message())) != std::string::npos);
        zseg::error copy = e;  // copies keep everything
        CHECK_EQ(copy.code(), e.code());
        CHECK_EQ(std::string(copy.what()), what);
    }
    // A truncated frame and a frame with trailing bytes are errors too.
    std::string truncated = frames[0].to_string();
    truncated.pop_back();
    std::string trailing = frames[0].to_string() + "x";
    CHECK_THROWS(d.decompress({frames[0], zseg::bytes(truncated)}), e) {
        CHECK_EQ(e.code(), ZSEG_ERR_ZSTD);
        CHECK(e.item() == std::optional<std::uint64_t>(1));
    }
    CHECK_THROWS(d.decompress({zseg::bytes(trailing)}), e) {
        CHECK_EQ(e.code(), ZSEG_ERR_ZSTD);
        CHECK(e.item() == std::optional<std::uint64_t>(0));
    }

    // Non-throwing: the same detail in the result.
    zseg::result<zseg::collection> r = d.try_decompress(input);
    CHECK(!r);
    CHECK(!r.ok());
    CHECK_EQ(r.code(), ZSEG_ERR_ZSTD);
    CHECK(r.item() == std::optional<std::uint64_t>(1));
    CHECK(r.zstd_code() != 0);
    CHECK(std::strlen(r.message()) > 0);
    CHECK_EQ(r.raw_error().item, std::uint64_t{1});
    CHECK_THROWS(r.value(), e) { CHECK_EQ(e.code(), ZSEG_ERR_ZSTD); }
    CHECK_THROWS(r.raise(), e) { CHECK(e.item() == std::optional<std::uint64_t>(1)); }

    zseg::result<zseg::collection> good = d.try_decompress(frames);
    CHECK(good.ok());
    CHECK_EQ(good.code(), ZSEG_OK);
    CHECK(!good.item().has_value());
    CHECK_EQ(good->size(), std::size_t{3});
    zseg::collection taken = std::move(good).value();
    CHECK_EQ(taken[2].str(), "good three"sv);

    CHECK(zseg::compressor::try_create(3).ok());
    zseg::result<zseg::compressor> bad_level = zseg::compressor::try_create(1000);
    CHECK_EQ(bad_level.code(), ZSEG_ERR_INVALID_ARGUMENT);
    CHECK(zseg::decompressor::try_create().ok());

    zseg::result<std::uint64_t> no_frame = zseg::try_frame_content_size("garbage");
    CHECK_EQ(no_frame.code(), ZSEG_ERR_ZSTD);
    CHECK_EQ(zseg::try_frame_content_size(frames[1]).value(), std::uint64_t{8});
    zseg::compressor no_size;
    no_size.set_param(ZSEG_CPARAM_CONTENT_SIZE, 0);
    zseg::collection unsized = no_size.compress({"abc"});
    CHECK_EQ(zseg::try_frame_content_size(unsized[0]).code(), ZSEG_ERR_NO_CONTENT_SIZE);
    CHECK_THROWS(d.decompress(unsized), e) { CHECK_EQ(e.code(), ZSEG_ERR_NO_CONTENT_SIZE); }
    zseg::collection sized = d.decompress(unsized, {3});
    CHECK_EQ(sized[0].str(), "abc"sv);
}

static void test_per_item_results() {
    zseg::compressor c;
    zseg::decompressor d;
    zseg::collection frames = c.compress({"aaa", "bbb", "ccc"});
    std::vector<std::string> input = {frames[0].to_string(), "junk", frames[2].to_string(), ""};
    std::vector<zseg_result> results;
    zseg::batch_options opts;
    opts.item_results = &results;
    opts.threads = 2;

    zseg::collection out = d.decompress(input, opts);  // partial: no exception
    CHECK_EQ(out.size(), std::size_t{4});
    CHECK_EQ(results.size(), std::size_t{4});
    CHECK_EQ(results[0], ZSEG_OK);
    CHECK_EQ(results[1], ZSEG_ERR_ZSTD);
    CHECK_EQ(results[2], ZSEG_OK);
    CHECK_EQ(results[3], ZSEG_ERR_ZSTD);
    CHECK_EQ(out[0].str(), "aaa"sv);
    CHECK(out[1].empty());
    CHECK_EQ(out[2].str(), "ccc"sv);

    zseg::result<zseg::collection> r = d.try_decompress(input, opts);
    CHECK(r.ok());
    CHECK_EQ(r.code(), ZSEG_ERR_PARTIAL);
    CHECK_EQ(r->size(), std::size_t{4});

    zseg::collection all_good = d.decompress(frames, opts);
    CHECK_EQ(results.size(), std::size_t{3});
    CHECK(results[0] == ZSEG_OK && results[1] == ZSEG_OK && results[2] == ZSEG_OK);
    CHECK_EQ(all_good[1].str(), "bbb"sv);
}

static void test_progress() {
    std::vector<std::string> items = make_items(under_valgrind() ? 150 : 1000);
    zseg::compressor c(1);
    zseg::batch_options opts;
    std::uint64_t calls = 0, last_done = 0, last_total = 0;
    opts.progress = [&](std::uint64_t done, std::uint64_t total) {
        calls++;
        last_done = done;
        last_total = total;
        return true;
    };
    zseg::collection frames = c.compress(items, opts);
    CHECK(calls >= 1);
    CHECK_EQ(last_total, std::uint64_t{items.size()});
    CHECK_EQ(last_done, last_total);

    // Returning false cancels.
    opts.progress = [](std::uint64_t, std::uint64_t) { return false; };
    CHECK_THROWS(c.compress(items, opts), e) { CHECK_EQ(e.code(), ZSEG_ERR_CANCELLED); }
    zseg::decompressor d;
    zseg::result<zseg::collection> r = d.try_decompress(frames, opts);
    CHECK_EQ(r.code(), ZSEG_ERR_CANCELLED);

    // An exception from the callback cancels the batch without crossing the C library, and is
    // rethrown by the throwing call once the library has returned; try_* reports it.
    int thrown = 0;
    opts.threads = 3;
    opts.progress = [&](std::uint64_t, std::uint64_t) -> bool {
        thrown++;
        throw std::logic_error("stop from the callback");
    };
    bool caught = false;
    try {
        (void)c.compress(items, opts);
    } catch (const std::logic_error &e) {
        caught = std::string(e.what()) == "stop from the callback";
    }
    CHECK(caught);
    CHECK_EQ(thrown, 1);  // not called again once it has thrown
    zseg::result<zseg::collection> r2 = d.try_decompress(frames, opts);
    CHECK_EQ(r2.code(), ZSEG_ERR_CANCELLED);
    CHECK(std::string(r2.message()).find("stop from the callback") != std::string::npos);
    caught = false;
    try {
        (void)r2.value();
    } catch (const std::logic_error &) {
        caught = true;
    }
    CHECK(caught);

    // A throwing callback of a batch that fails for another reason first.
    opts.progress = [](std::uint64_t, std::uint64_t) -> bool { throw 42; };
    zseg::result<zseg::collection> r3 = c.try_compress(items, opts);
    CHECK_EQ(r3.code(), ZSEG_ERR_CANCELLED);
    CHECK(std::string(r3.message()).find("progress callback threw") != std::string::npos);
}

static void test_into() {
    std::vector<std::string> items = make_items(100);
    zseg::compressor c(3);
    std::vector<std::uint8_t> dst(zseg::compress_bound(items));
    zseg::packed p = c.compress_into(items, dst.data(), dst.size());
    CHECK_EQ(p.segments.size(), items.size());
    CHECK(p.used > 0 && p.used <= dst.size());
    zseg::collection ref = c.compress(items);
    bool same = true;
    for (std::size_t i = 0; i < items.size(); i++) {
        zseg::bytes frame(dst.data() + p.segments[i].offset, p.segments[i].length);
        same = same && frame == ref[i];
    }
    CHECK(same);

    std::size_t total = 0;
    for (const auto &s : items) total += s.size();
    std::vector<std::uint8_t> out(total);
    zseg::decompressor d;
    zseg::packed q = d.decompress_into(ref, {}, out.data(), out.size());
    CHECK_EQ(q.used, total);
    bool back = true;
    for (std::size_t i = 0; i < items.size(); i++)
        back = back && zseg::bytes(out.data() + q.segments[i].offset, q.segments[i].length) ==
                           zseg::bytes(items[i]);
    CHECK(back);
    if (total > 0) {
        CHECK_THROWS(d.decompress_into(ref, {}, out.data(), total - 1), e) {
            CHECK_EQ(e.code(), ZSEG_ERR_DST_TOO_SMALL);
        }
    }
    std::vector<std::uint8_t> tiny(4);
    CHECK_THROWS(c.compress_into(items, tiny.data(), tiny.size()), e) {
        CHECK_EQ(e.code(), ZSEG_ERR_DST_TOO_SMALL);
    }
}

static void test_dictionary() {
    // Raw-content dictionary (fast): round trip, and a missing dictionary is an error.
    std::string dict = "{\"id\":,\"name\":\"item-\",\"tags\":[\"alpha\",\"bravo\",\"charlie\"]}";
    zseg::compressor c(3);
    c.load_dictionary(dict);
    std::vector<std::string> items = make_items(50);
    zseg::collection frames = c.compress(items);
    zseg::decompressor with;
    with.load_dictionary(dict);
    CHECK(same_items(with.decompress(frames), items));

    if (under_valgrind()) return;  // training is slow under valgrind
    std::vector<std::string> samples = make_items(2000);
    zseg::buffer sample_buffer = zseg::buffer::pack(samples);
    std::vector<std::uint8_t> trained = zseg::train_dictionary(sample_buffer, 4096);
    CHECK(trained.size() > 0 && trained.size() <= 4096);
    zseg::compressor ct(3);
    ct.load_dictionary(trained);
    zseg::collection tf = ct.compress(samples);
    zseg::decompressor none;
    CHECK_THROWS(none.decompress(tf), e) { CHECK_EQ(e.code(), ZSEG_ERR_DICTIONARY); }
    zseg::decompressor dt;
    dt.load_dictionary(trained);
    CHECK(same_items(dt.decompress(tf), samples));
    CHECK_THROWS(zseg::train_dictionary(zseg::buffer::pack({"a", "b"}), 4096), e) {
        CHECK(e.code() == ZSEG_ERR_DICTIONARY || e.code() == ZSEG_ERR_DST_TOO_SMALL);
    }
}

static std::string temp_path(const char *name) {
    const char *dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/zseg-cpp-" + std::to_string(getpid()) + "-" + name;
}

static void test_seekable() {
    std::vector<std::string> items = make_items(under_valgrind() ? 40 : 400);
    zseg::compressor c(3);
    c.set_param(ZSEG_CPARAM_CHECKSUM, 1);
    zseg::collection frames = c.compress(items);
    std::string path = temp_path("seekable.zst");
    zseg::seekable::write(frames, path, ZSEG_SEEKABLE_CHECKSUMS);

    zseg::decompressor d;
    {
        zseg::seekable file = zseg::seekable::open(path);
        CHECK(file);
        CHECK_EQ(file.size(), items.size());
        CHECK_EQ(file.sizes().size(), items.size());
        CHECK_EQ(file.sizes()[7], std::uint64_t{items[7].size()});
        CHECK_EQ(file.frames().size(), items.size());
        CHECK(file.frame(7) == frames[7]);
        CHECK(same_items(d.decompress(file), items));

        // One item alone: its frame with its size from the table.
        std::size_t i = 13;
        zseg::seekable_entry entry = file.entry(i);
        CHECK(entry.frame == frames[i]);
        CHECK_EQ(entry.size, std::uint64_t{items[i].size()});
        CHECK_EQ(file.content_size(i), std::uint64_t{items[i].size()});
        zseg::collection one = d.decompress({entry.frame}, {entry.size});
        CHECK(one[0] == zseg::bytes(items[i]));
        zseg::collection alone = d.decompress(file, i);
        CHECK_EQ(alone.size(), std::size_t{1});
        CHECK(alone[0] == zseg::bytes(items[i]));
        CHECK_THROWS(file.entry(items.size()), e) { CHECK_EQ(e.code(), ZSEG_ERR_INDEX); }
        CHECK_EQ(d.try_decompress(file, items.size()).code(), ZSEG_ERR_INDEX);

        // The frames outlive the handle when a collection holds them.
        zseg::collection held = zseg::collection::of({file.frames()});
        file.reset();
        CHECK(held[3] == frames[3]);
    }
    CHECK_THROWS(zseg::seekable::open(path + ".missing"), e) { CHECK_EQ(e.code(), ZSEG_ERR_IO); }
    CHECK_EQ(zseg::seekable::try_open(path + ".missing").code(), ZSEG_ERR_IO);

    // From memory: the same file read into a string.
    std::string content;
    if (FILE *f = std::fopen(path.c_str(), "rb")) {
        char chunk[4096];
        std::size_t got;
        while ((got = std::fread(chunk, 1, sizeof chunk, f)) > 0) content.append(chunk, got);
        std::fclose(f);
    }
    zseg::seekable mem = zseg::seekable::open_memory(content);
    CHECK(same_items(d.decompress(mem), items));
    std::string damaged = content.substr(0, content.size() - 3);
    zseg::result<zseg::seekable> bad = zseg::seekable::try_open_memory(damaged);
    CHECK(!bad.ok());
    CHECK(bad.code() != ZSEG_OK);
    std::remove(path.c_str());

    // A file of no items.
    zseg::seekable::write(zseg::compressor().compress(std::vector<std::string>{}), path);
    zseg::seekable none = zseg::seekable::open(path);
    CHECK(none.empty());
    CHECK(none.sizes().empty());
    CHECK_EQ(d.decompress(none).size(), std::size_t{0});
    none.reset();
    std::remove(path.c_str());

    // Frames without checksums cannot be written with ZSEG_SEEKABLE_CHECKSUMS.
    zseg::collection plain = zseg::compressor(1).compress({"x"});
    CHECK_THROWS(zseg::seekable::write(plain, path, ZSEG_SEEKABLE_CHECKSUMS), e) {
        CHECK_EQ(e.code(), ZSEG_ERR_INVALID_ARGUMENT);
    }
}

int main() {
    run("version", test_version);
    run("bytes", test_bytes);
    run("buffer", test_buffer);
    run("move_semantics", test_move_semantics);
    run("collection", test_collection);
    run("compress_ranges", test_compress_ranges);
    run("threads_and_params", test_threads_and_params);
    run("errors_on_bad_frame", test_errors_on_bad_frame);
    run("per_item_results", test_per_item_results);
    run("progress", test_progress);
    run("into", test_into);
    run("dictionary", test_dictionary);
    run("seekable", test_seekable);
    if (failures) {
        std::printf("%d check(s) failed\n", failures);
        return 1;
    }
    std::printf("all C++ wrapper tests passed\n");
    return 0;
}
