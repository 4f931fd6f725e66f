// libsystemd, loaded on first use.  Linking it would load it and its
// dependencies (gcrypt, gpg-error, lzma, zstd, lz4) into every skiff
// process: ~2.5 ms and ~2 MB RSS at each start on the development VM,
// for code that only NOTIFY_SOCKET and --systemd-cgroup need.  The headers
// give the types; SKIFF_SD_FUNCS lists every function skiff calls.
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include "ocispec/error.hpp"

#define SKIFF_SD_FUNCS(X)            \
    X(sd_notify)                     \
    X(sd_notify_barrier)             \
    X(sd_bus_open_user)              \
    X(sd_bus_new)                    \
    X(sd_bus_set_address)            \
    X(sd_bus_set_bus_client)         \
    X(sd_bus_start)                  \
    X(sd_bus_flush_close_unref)      \
    X(sd_bus_get_unique_name)        \
    X(sd_bus_call)                   \
    X(sd_bus_call_method)            \
    X(sd_bus_message_new_method_call) \
    X(sd_bus_message_append)         \
    X(sd_bus_message_append_array)   \
    X(sd_bus_message_open_container) \
    X(sd_bus_message_close_container) \
    X(sd_bus_message_read)           \
    X(sd_bus_message_unref)          \
    X(sd_bus_match_signal)           \
    X(sd_bus_slot_unref)             \
    X(sd_bus_process)                \
    X(sd_bus_wait)                   \
    X(sd_bus_error_free)

namespace skiff::sd {

struct Functions {
#define SKIFF_SD_MEMBER(name) decltype(&::name) name;
    SKIFF_SD_FUNCS(SKIFF_SD_MEMBER)
#undef SKIFF_SD_MEMBER
};

// libsystemd.so.0's functions, or an error saying it could not be loaded
// (and for what).  Loaded once per process.
oci::Result<const Functions*> load();

}  // namespace skiff::sd
