#include "common/prefault.hpp"

#include <link.h>
#include <sys/mman.h>

#include <cstdint>

namespace skiff {

namespace {
int populate_main_object(dl_phdr_info* info, size_t, void*) {
    constexpr uintptr_t kPage = 4096;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W)) continue;
        const uintptr_t start = (info->dlpi_addr + ph.p_vaddr) & ~(kPage - 1);
        const uintptr_t end = (info->dlpi_addr + ph.p_vaddr + ph.p_memsz + kPage - 1) & ~(kPage - 1);
        madvise(reinterpret_cast<void*>(start), end - start, MADV_POPULATE_READ);  // 5.14+; else a no-op
    }
    return 1;  // the first object is the executable: stop there
}
}  // namespace

void prefault_image() {
    dl_iterate_phdr(populate_main_object, nullptr);
}

}  // namespace skiff
