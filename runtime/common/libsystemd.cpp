#include "common/libsystemd.hpp"

#include <dlfcn.h>

#include <string>

namespace skiff::sd {

oci::Result<const Functions*> load() {
    static Functions f;
    static std::string failed;  // why the first load failed
    static bool done = false;
    if (!done) {
        done = true;
        void* h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            const char* e = dlerror();
            failed = std::string("load libsystemd.so.0 (apt-get install libsystemd0): ") + (e ? e : "unknown error");
        } else {
#define SKIFF_SD_RESOLVE(name)                                                        \
    if (failed.empty()) {                                                             \
        f.name = reinterpret_cast<decltype(f.name)>(dlsym(h, #name));                 \
        if (!f.name) failed = "libsystemd.so.0 has no " #name " (libsystemd too old)"; \
    }
            SKIFF_SD_FUNCS(SKIFF_SD_RESOLVE)
#undef SKIFF_SD_RESOLVE
        }
    }
    if (!failed.empty()) return oci::Error::msg(failed);
    return &f;
}

}  // namespace skiff::sd
