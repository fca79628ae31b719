#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace retort {

/// A bounds-checked reader of the stored (uncompressed) zip archives that `torch.save` writes,
/// over bytes held by the caller (who keeps them alive). Zip64 sizes and offsets are understood.
/// Every malformation (no end record, directory or record outside the file, CRC mismatch)
/// throws InputError naming `origin`, and so does reading a compressed or encrypted record;
/// nothing is allocated from a size the file declares, only from what it actually holds.
///
///   ZipReader zip(bytes, "yolov8n.pt");
///   std::string_view pickle = zip.record("yolov8n/data.pkl");
class ZipReader
{
public:
    ZipReader(std::string_view bytes, std::string origin);

    /// Record names in directory order.
    const std::vector<std::string>& names() const { return m_names; }
    bool has(const std::string& name) const { return m_entries.count(name) != 0; }
    /// The bytes of record `name`, CRC-checked on first access; throws InputError when absent.
    std::string_view record(const std::string& name) const;
    /// Stored size of record `name` without reading it (0 when absent).
    uint64_t recordSize(const std::string& name) const;

private:
    struct Entry
    {
        uint64_t offset = 0; ///< of the data, from the start of the file
        uint64_t size = 0;
        uint32_t crc = 0;
        uint16_t method = 0;     ///< 0 = stored; anything else is refused when read
        bool encrypted = false;
        mutable bool checked = false;
    };

    void readDirectory();
    Entry locate(const std::string& name, uint64_t localOffset, uint64_t size, uint32_t crc) const;

    std::string_view m_bytes;
    std::string m_origin;
    std::vector<std::string> m_names;
    std::map<std::string, Entry> m_entries;
};

/// CRC-32 (zip's polynomial) of `data`.
uint32_t crc32(std::string_view data);

} // namespace retort
