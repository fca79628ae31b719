#include "io/zipreader.h"

#include "util/error.h"

#include <array>

namespace retort {
namespace {

constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr size_t kEndSize = 22;
constexpr size_t kCentralSize = 46;
constexpr size_t kLocalSize = 30;

uint64_t readLe(std::string_view b, uint64_t at, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<uint64_t>(i)]);
    return v;
}

const std::array<uint32_t, 256>& crcTable()
{
    static const std::array<uint32_t, 256> table = [] {
        std::array<uint32_t, 256> t{};
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    return table;
}

} // namespace

uint32_t crc32(std::string_view data)
{
    const auto& t = crcTable();
    uint32_t c = 0xFFFFFFFFu;
    for (const char ch : data)
        c = t[(c ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

ZipReader::ZipReader(std::string_view bytes, std::string origin) : m_bytes(bytes), m_origin(std::move(origin))
{
    readDirectory();
}

void ZipReader::readDirectory()
{
    const uint64_t n = m_bytes.size();
    if (n < kEndSize)
        throw InputError(m_origin + ": not a zip archive (" + std::to_string(n) + " bytes; truncated?)");
    // The end record sits in the last 22 + 65535 (comment) bytes.
    uint64_t end = UINT64_MAX;
    const uint64_t lowest = n >= kEndSize + 0xFFFF ? n - kEndSize - 0xFFFF : 0;
    for (uint64_t at = n - kEndSize + 1; at-- > lowest;)
        if (readLe(m_bytes, at, 4) == kEndSignature && at + kEndSize + readLe(m_bytes, at + 20, 2) <= n) {
            end = at;
            break;
        }
    if (end == UINT64_MAX)
        throw InputError(m_origin + ": not a zip archive or truncated (no end-of-directory record)");
    uint64_t count = readLe(m_bytes, end + 10, 2);
    uint64_t dirSize = readLe(m_bytes, end + 12, 4);
    uint64_t dirOffset = readLe(m_bytes, end + 16, 4);
    if (readLe(m_bytes, end + 4, 2) != 0 || readLe(m_bytes, end + 6, 2) != 0)
        throw InputError(m_origin + ": multi-volume zip archives are not supported");
    if (end >= 20 && readLe(m_bytes, end - 20, 4) == kZip64LocatorSignature) {
        const uint64_t z = readLe(m_bytes, end - 20 + 8, 8);
        if (z > n || n - z < 56 || readLe(m_bytes, z, 4) != kZip64EndSignature)
            throw InputError(m_origin + ": zip64 end-of-directory record is outside the file or damaged");
        count = readLe(m_bytes, z + 32, 8);
        dirSize = readLe(m_bytes, z + 40, 8);
        dirOffset = readLe(m_bytes, z + 48, 8);
    }
    if (dirOffset > n || dirSize > n - dirOffset)
        throw InputError(m_origin + ": zip directory (offset " + std::to_string(dirOffset) + ", " +
                         std::to_string(dirSize) + " bytes) lies outside the file (" + std::to_string(n) +
                         " bytes; truncated?)");
    if (count > dirSize / kCentralSize)
        throw InputError(m_origin + ": zip directory declares " + std::to_string(count) + " records but holds " +
                         std::to_string(dirSize) + " bytes");
    uint64_t at = dirOffset;
    const uint64_t dirEnd = dirOffset + dirSize;
    for (uint64_t i = 0; i < count; ++i) {
        if (dirEnd - at < kCentralSize || readLe(m_bytes, at, 4) != kCentralSignature)
            throw InputError(m_origin + ": zip directory entry " + std::to_string(i) + " is damaged");
        const uint64_t flags = readLe(m_bytes, at + 8, 2);
        const uint64_t method = readLe(m_bytes, at + 10, 2);
        const auto crc = static_cast<uint32_t>(readLe(m_bytes, at + 16, 4));
        uint64_t csize = readLe(m_bytes, at + 20, 4);
        uint64_t usize = readLe(m_bytes, at + 24, 4);
        const uint64_t nameLen = readLe(m_bytes, at + 28, 2);
        const uint64_t extraLen = readLe(m_bytes, at + 30, 2);
        const uint64_t commentLen = readLe(m_bytes, at + 32, 2);
        uint64_t local = readLe(m_bytes, at + 42, 4);
        if (dirEnd - at - kCentralSize < nameLen + extraLen + commentLen)
            throw InputError(m_origin + ": zip directory entry " + std::to_string(i) + " runs past the directory");
        const std::string name(m_bytes.substr(at + kCentralSize, nameLen));
        // Zip64 extra field: the 64-bit values of those fields that hold 0xFFFFFFFF, in order.
        for (uint64_t e = at + kCentralSize + nameLen, eEnd = e + extraLen; eEnd - e >= 4;) {
            const uint64_t id = readLe(m_bytes, e, 2);
            const uint64_t len = readLe(m_bytes, e + 2, 2);
            if (eEnd - e - 4 < len)
                break;
            if (id == 0x0001) {
                uint64_t f = e + 4;
                const uint64_t fEnd = f + len;
                for (uint64_t* v : {&usize, &csize, &local})
                    if (*v == 0xFFFFFFFFu) {
                        if (fEnd - f < 8)
                            throw InputError(m_origin + ": zip64 field of record '" + name + "' is short");
                        *v = readLe(m_bytes, f, 8);
                        f += 8;
                    }
            }
            e += 4 + len;
        }
        if (method == 0 && csize != usize)
            throw InputError(m_origin + ": stored record '" + name + "' declares " + std::to_string(csize) +
                             " bytes stored but " + std::to_string(usize) + " bytes of data");
        if (m_entries.count(name))
            throw InputError(m_origin + ": record '" + name + "' appears twice");
        // Compressed or encrypted records (TorchScript archives deflate their code/) are listed
        // and refused only when read.
        Entry entry = locate(name, local, csize, crc);
        entry.method = static_cast<uint16_t>(method);
        entry.encrypted = (flags & 1) != 0;
        m_entries.emplace(name, entry);
        m_names.push_back(name);
        at += kCentralSize + nameLen + extraLen + commentLen;
    }
}

ZipReader::Entry ZipReader::locate(const std::string& name, uint64_t local, uint64_t size, uint32_t crc) const
{
    const uint64_t n = m_bytes.size();
    if (local > n || n - local < kLocalSize || readLe(m_bytes, local, 4) != kLocalSignature)
        throw InputError(m_origin + ": record '" + name + "' has no local header at offset " + std::to_string(local) +
                         " (truncated or damaged)");
    const uint64_t data = local + kLocalSize + readLe(m_bytes, local + 26, 2) + readLe(m_bytes, local + 28, 2);
    if (data > n || size > n - data)
        throw InputError(m_origin + ": record '" + name + "' (" + std::to_string(size) + " bytes at offset " +
                         std::to_string(data) + ") runs past the end of the file (" + std::to_string(n) +
                         " bytes; truncated?)");
    Entry e;
    e.offset = data;
    e.size = size;
    e.crc = crc;
    return e;
}

uint64_t ZipReader::recordSize(const std::string& name) const
{
    const auto it = m_entries.find(name);
    return it == m_entries.end() ? 0 : it->second.size;
}

std::string_view ZipReader::record(const std::string& name) const
{
    const auto it = m_entries.find(name);
    if (it == m_entries.end())
        throw InputError(m_origin + ": the archive has no record '" + name + "'");
    const Entry& e = it->second;
    if (e.encrypted)
        throw InputError(m_origin + ": record '" + name + "' is encrypted");
    if (e.method != 0)
        throw InputError(m_origin + ": record '" + name + "' is compressed (method " + std::to_string(e.method) +
                         "); torch.save writes stored records only");
    const std::string_view data = m_bytes.substr(e.offset, e.size);
    if (!e.checked) {
        if (crc32(data) != e.crc)
            throw InputError(m_origin + ": record '" + name + "' is corrupt (CRC mismatch)");
        e.checked = true;
    }
    return data;
}

} // namespace retort
