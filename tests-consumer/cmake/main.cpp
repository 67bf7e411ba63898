// A C++17 program using an installed zseg through zseg.hpp: compresses a batch of strings on 2
// threads, decompresses it, checks every item, and checks that a bad frame throws zseg::error.
#include <zseg.hpp>

#include <iostream>
#include <string>
#include <vector>

int main() {
    std::vector<std::string> items;
    for (int i = 0; i < 100; i++)
        items.push_back(i % 10 == 9 ? "" : "consumer item " + std::to_string(i));
    zseg::batch_options opts;
    opts.threads = 2;
    zseg::compressor c(3);
    zseg::decompressor d;
    zseg::collection frames = c.compress(items, opts);
    zseg::collection out = d.decompress(frames, opts);
    bool ok = out.size() == items.size();
    for (std::size_t i = 0; ok && i < items.size(); i++) ok = out[i].str() == items[i];
    try {
        (void)d.decompress({frames[0], zseg::bytes("not a frame")});
        ok = false;
    } catch (const zseg::error &e) {
        ok = ok && e.code() == ZSEG_ERR_ZSTD && e.item() == std::optional<std::uint64_t>(1);
    }
    std::cout << "C++ consumer: zseg " << zseg::version() << ": " << items.size()
              << " items round-tripped, " << out.total_size() << " -> " << frames.total_size()
              << " bytes: " << (ok ? "ok" : "MISMATCH") << "\n";
    return ok ? 0 : 1;
}
