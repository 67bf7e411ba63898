// compress_dir (C++): the C example examples/compress_dir.c with the RAII wrapper zseg.hpp.
// Compresses every regular file of a directory as one batch (one item per file, in name order,
// on all CPUs), writes the frames as one zstd seekable-format file, then opens that file and
// decompresses a single item by index. Same usage and output as the C program:
//
//   usage: compress_dir_cpp DIR OUTPUT.zst [INDEX]
//
// Build: c++ -std=c++17 compress_dir.cpp $(pkg-config --cflags --libs zseg), or the CMake
// target compress_dir_cpp.
#include <zseg.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

static std::string read_file(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

static bool is_text(zseg::bytes b) {
    return std::all_of(b.begin(), b.end(),
                       [](std::uint8_t c) { return c >= 0x20 || c == '\n' || c == '\t' || c == '\r'; });
}

int main(int argc, char **argv) try {
    if (argc < 3 || argc > 4) {
        std::cerr << "usage: " << argv[0] << " DIR OUTPUT.zst [INDEX]\n";
        return 2;
    }
    const fs::path dir = argv[1];
    const std::string output = argv[2];
    const std::size_t index = argc == 4 ? std::strtoull(argv[3], nullptr, 10) : 0;

    // 1. One item per regular file, in name order.
    std::vector<fs::path> paths;
    for (const fs::directory_entry &entry : fs::directory_iterator(dir))
        if (entry.is_regular_file()) paths.push_back(entry.path());
    std::sort(paths.begin(), paths.end());
    std::vector<std::string> contents;
    std::size_t total = 0;
    for (const fs::path &p : paths) {
        contents.push_back(read_file(p));
        total += contents.back().size();
    }

    // 2. Compress them as one batch on all CPUs: any range of byte ranges will do.
    zseg::compressor compressor(3);
    compressor.set_param(ZSEG_CPARAM_CHECKSUM, 1);  // the seek table can carry them
    zseg::batch_options opts;
    opts.threads = -1;
    zseg::collection frames = compressor.compress(contents, opts);

    // 3. Write the frames as one seekable-format file (atomically).
    zseg::seekable::write(frames, output, ZSEG_SEEKABLE_CHECKSUMS);
    std::cout << "compressed " << contents.size() << " files, " << total << " bytes -> "
              << frames.total_size() << " bytes of frames, written to " << output << "\n";

    // 4. Open it again and decompress item `index` alone: its frame, with its size from the
    //    seek table, found without reading the rest of the file.
    zseg::seekable file = zseg::seekable::open(output);
    if (index >= file.size()) {
        std::cerr << "compress_dir: index " << index << " out of range (" << file.size()
                  << " items)\n";
        return 1;
    }
    zseg::decompressor decompressor;
    zseg::collection one = decompressor.decompress(file, index);  // a collection of one item
    zseg::bytes item = one[0];  // zero-copy, valid while `one` lives

    const bool same = item == zseg::bytes(contents[index]);
    std::cout << "item " << index << ": " << paths[index].filename().string() << ", "
              << item.size() << " bytes, " << (same ? "matches the file" : "DIFFERS FROM THE FILE")
              << "\n";
    if (!item.empty()) {
        if (is_text(item))
            std::cout << item.str();
        else
            std::cout << "(binary content not shown)\n";
    }
    return same ? 0 : 1;
} catch (const zseg::error &e) {
    std::cerr << "compress_dir: " << e.what() << "\n";
    return 1;
} catch (const std::exception &e) {
    std::cerr << "compress_dir: " << e.what() << "\n";
    return 1;
}
