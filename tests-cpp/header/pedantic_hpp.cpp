// zseg.hpp compiles clean as strict C++17 and C++20 (-Wall -Wextra -pedantic -Werror -Wshadow
// -Wconversion -Wsign-conversion -Wold-style-cast), included twice, with its templates
// instantiated for the usual kinds of ranges. Compiled (not run) by the header.hpp_* tests.
#include "zseg.hpp"
#include "zseg.hpp"

#include <array>
#include <list>
#include <string>
#include <string_view>
#include <vector>

std::size_t header_hpp_instantiates(const zseg::compressor &c, const zseg::decompressor &d);
std::size_t header_hpp_instantiates(const zseg::compressor &c, const zseg::decompressor &d) {
    std::vector<std::string> strings = {"a", "b"};
    std::vector<std::string_view> views = {"a", "b"};
    std::vector<std::vector<std::uint8_t>> vectors = {{1, 2}, {}};
    std::vector<std::vector<std::byte>> byte_vectors(2);
    std::list<std::string> list = {"x"};
    std::array<zseg::bytes, 2> arr = {zseg::bytes("p"), zseg::bytes("q")};
    std::vector<std::uint64_t> sizes = {1, zseg::size_unknown};
    zseg::batch_options opts;
    opts.threads = -1;
    opts.progress = [](std::uint64_t done, std::uint64_t total) { return done <= total; };

    zseg::collection f1 = c.compress(strings, opts);
    zseg::collection f2 = c.compress(views);
    zseg::collection f3 = c.compress(vectors);
    zseg::collection f4 = c.compress(byte_vectors);
    zseg::collection f5 = c.compress(list);
    zseg::collection f6 = c.compress(arr);
    zseg::collection f7 = c.compress({"lit", strings[0]});
    zseg::result<zseg::collection> r = c.try_compress(strings);
    zseg::buffer b = zseg::buffer::pack(strings);
    zseg::collection f8 = c.compress(b);
    zseg::collection all = zseg::collection::of({f1.buffer(0), f2.buffer(0), b});
    zseg::collection o1 = d.decompress(f1, sizes, opts);
    zseg::collection o2 = d.decompress(all);
    zseg::collection o3 = d.decompress(strings, {1, 1});
    zseg::result<zseg::collection> r2 = d.try_decompress(f1.buffer(0));
    std::vector<std::uint8_t> dst(zseg::compress_bound(strings));
    zseg::packed p = c.compress_into(strings, dst.data(), dst.size());
    std::size_t n = 0;
    for (zseg::bytes item : o1) n += item.size();
    for (zseg::bytes item : b) n += item.str().size();
    return n + f3.size() + f4.size() + f5.size() + f6.size() + f7.size() + f8.size() +
           o2.size() + o3.size() + p.used + (r ? r->size() : 0) + (r2.ok() ? 1u : 0u);
}
