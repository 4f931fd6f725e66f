// libFuzzer entry: any input must either be rejected with a located message
// or parse into a config that validates (or not) and round-trips exactly.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <ocispec/json.hpp>

namespace {

// Errors always name the document first.
void check_error(const oci::Error& e, std::string_view name) {
    if (e.message.compare(0, name.size(), name) != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);

    auto c = oci::parse_config(in);
    if (!c) {
        check_error(c.error(), "config.json");
    } else {
        auto v = oci::validate_config(*c);
        if (!v) check_error(v.error(), "config.json");
        std::string out = oci::write_config(*c, (size & 1) != 0);
        auto again = oci::parse_config(out, "written");
        // What the writer produces, the reader must take back unchanged.
        if (!again || !(*again == *c)) std::abort();
    }

    // The same bytes through the other document readers, for coverage.
    if (auto s = oci::parse_state(in)) {
        auto again = oci::parse_state(oci::write_state(*s));
        if (!again || !(*again == *s)) std::abort();
    }
    if (auto f = oci::parse_features(in)) {
        auto again = oci::parse_features(oci::write_features(*f));
        if (!again || !(*again == *f)) std::abort();
    }
    if (auto p = oci::parse_process(in)) {
        auto again = oci::parse_process(oci::write_process(*p));
        if (!again || !(*again == *p)) std::abort();
    }
    (void)oci::parse_resources(in);
    (void)oci::validate_container_id(in);
    return 0;
}
