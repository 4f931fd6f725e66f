// Measures how long parse_config takes on one document (default: the
// runtime-spec example config, which exercises nearly every property).
//   parse-bench [FILE] [ITERATIONS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <ocispec/json.hpp>

#ifndef SKIFF_SPEC_EXAMPLE
#define SKIFF_SPEC_EXAMPLE "spec-example.json"
#endif

int main(int argc, char** argv) {
    std::string path = argc > 1 ? argv[1] : SKIFF_SPEC_EXAMPLE;
    long n = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 20000;
    if (n <= 0) n = 1;
    std::ifstream in(path);
    if (!in) {
        std::fprintf(stderr, "parse-bench: cannot open %s\n", path.c_str());
        return 1;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string doc = ss.str();

    // Warm up, and fail loudly rather than time an error path.
    auto first = oci::parse_config(doc, path);
    if (!first) {
        std::fprintf(stderr, "parse-bench: %s\n", first.error().message.c_str());
        return 1;
    }
    size_t sink = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i) {
        auto c = oci::parse_config(doc, path);
        sink += c->ociVersion.size();  // keeps the result observable
    }
    auto t1 = std::chrono::steady_clock::now();
    double us = std::chrono::duration<double, std::micro>(t1 - t0).count() / static_cast<double>(n);

    auto w0 = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i) sink += oci::write_config(*first, false).size();
    auto w1 = std::chrono::steady_clock::now();
    double wus = std::chrono::duration<double, std::micro>(w1 - w0).count() / static_cast<double>(n);

    std::printf("%s: %zu bytes, %ld iterations\n", path.c_str(), doc.size(), n);
    std::printf("parse: %.2f us per parse (%.1f MB/s)\n", us, static_cast<double>(doc.size()) / us);
    std::printf("write: %.2f us per write\n", wus);
    return sink == 0 ? 1 : 0;
}
