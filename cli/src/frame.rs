//! What `zseg info` and the dictionary logic read from raw bytes: zstd frame headers and
//! zstd-format dictionary headers (RFC 8878, sections 3.1.1 and 5).

const FRAME_MAGIC: u32 = 0xFD2F_B528;
const DICT_MAGIC: u32 = 0xEC30_A437;

/// The parts of a zstd frame header the tool reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// Dictionary ID the frame names, 0 if none.
    pub dict_id: u32,
    /// Whether a content checksum ends the frame.
    pub checksum: bool,
    /// Whether the header records the decompressed size.
    pub has_content_size: bool,
}

/// The header of the zstd frame at the start of `frame`, `None` if it is not one (too short,
/// wrong magic, reserved bit set).
pub fn header(frame: &[u8]) -> Option<Header> {
    let magic = u32::from_le_bytes(frame.get(..4)?.try_into().ok()?);
    let fhd = *frame.get(4)?;
    if magic != FRAME_MAGIC || fhd & 0x08 != 0 {
        return None;
    }
    let single_segment = fhd & 0x20 != 0;
    let id_at = 5 + usize::from(!single_segment);
    let id_len = [0, 1, 2, 4][usize::from(fhd & 3)];
    let mut id = [0u8; 4];
    id[..id_len].copy_from_slice(frame.get(id_at..id_at + id_len)?);
    Some(Header {
        dict_id: u32::from_le_bytes(id),
        checksum: fhd & 0x04 != 0,
        has_content_size: fhd >> 6 != 0 || single_segment,
    })
}

/// The ID of a zstd-format dictionary, `None` for raw content (any other bytes).
pub fn dictionary_id(dict: &[u8]) -> Option<u32> {
    let magic = u32::from_le_bytes(dict.get(..4)?.try_into().ok()?);
    let id = u32::from_le_bytes(dict.get(4..8)?.try_into().ok()?);
    (magic == DICT_MAGIC).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_give_dictionary_ids_and_flags() {
        // Single segment, 1-byte content size, no dictionary, no checksum.
        let plain = [0x28, 0xB5, 0x2F, 0xFD, 0x20, 0x05];
        assert_eq!(
            header(&plain),
            Some(Header {
                dict_id: 0,
                checksum: false,
                has_content_size: true
            })
        );
        // Window descriptor, 4-byte dictionary ID, checksum, no content size.
        let with_dict = [0x28, 0xB5, 0x2F, 0xFD, 0x07, 0x58, 0x78, 0x56, 0x34, 0x12];
        assert_eq!(
            header(&with_dict),
            Some(Header {
                dict_id: 0x1234_5678,
                checksum: true,
                has_content_size: false
            })
        );
        assert_eq!(header(&with_dict[..8]), None);
        assert_eq!(header(b"not a frame"), None);
        assert_eq!(header(&[]), None);
    }

    #[test]
    fn dictionary_ids_come_from_zstd_format_dictionaries_only() {
        assert_eq!(
            dictionary_id(&[0x37, 0xA4, 0x30, 0xEC, 1, 0, 0, 0, 9]),
            Some(1)
        );
        assert_eq!(dictionary_id(b"raw content dictionary"), None);
        assert_eq!(dictionary_id(&[0x37, 0xA4]), None);
    }
}
