// Implements common/log.hpp.  One record is formatted into one buffer and
// written with a single write(2), so concurrent skiff processes appending to
// the same --log file (O_APPEND) never interleave inside a line.
#include "common/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "common/fd.hpp"

namespace skiff::log {
namespace {

struct State {
    UniqueFd file;
    Format format = Format::Text;
    Level min = Level::Warn;
};

State& state() {
    static State s;
    return s;
}

std::string_view level_name(Level l) {
    switch (l) {
        case Level::Debug: return "debug";
        case Level::Info: return "info";
        case Level::Warn: return "warning";  // logrus' spelling, which shims parse
        case Level::Error: return "error";
    }
    return "error";
}

std::string now_rfc3339() {
    struct timespec ts {};
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm {};
    gmtime_r(&ts.tv_sec, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// JSON string escaping; also valid for logrus' quoted text values.
void append_quoted(std::string& out, std::string_view s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (c < 0x20) {
                    char esc[8];
                    snprintf(esc, sizeof esc, "\\u%04x", c);
                    out += esc;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

void write_all(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // logging must never fail the command
        off += static_cast<size_t>(n);
    }
}

std::string format_record(Level l, std::string_view msg, Format f) {
    std::string line;
    if (f == Format::Json) {
        line = "{\"level\":\"";
        line += level_name(l);
        line += "\",\"msg\":";
        append_quoted(line, msg);
        line += ",\"time\":\"" + now_rfc3339() + "\"}\n";
    } else {
        line = "time=\"" + now_rfc3339() + "\" level=";
        line += level_name(l);
        line += " msg=";
        append_quoted(line, msg);
        line += '\n';
    }
    return line;
}

void to_stderr(Level l, std::string_view msg) {
    std::string line = "skiff: ";
    if (l == Level::Warn) line += "warning: ";
    else if (l == Level::Info) line += "info: ";
    else if (l == Level::Debug) line += "debug: ";
    line += msg;
    line += '\n';
    write_all(STDERR_FILENO, line);
}

}  // namespace

oci::Result<void> init(const Options& opts) {
    State& s = state();
    s.file.reset();
    s.format = opts.format;
    s.min = opts.debug ? Level::Debug : Level::Warn;
    if (opts.file.empty()) return {};
    int fd = ::open(opts.file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return oci::Error::sys("--log: cannot open log file \"" + opts.file + "\"", errno);
    s.file.reset(fd);
    return {};
}

bool enabled(Level l) { return l >= state().min; }

void write(Level l, std::string_view msg) {
    State& s = state();
    if (!enabled(l)) return;
    if (s.file) write_all(s.file.get(), format_record(l, msg, s.format));
    // Without a log file the records go to stderr; errors always do.
    if (!s.file || l == Level::Error) to_stderr(l, msg);
}

void error(std::string_view m) { write(Level::Error, m); }

}  // namespace skiff::log
