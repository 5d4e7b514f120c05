/// Reading and writing the little-endian integers of the ring and builder tables.
enum LittleEndian {
    static func append(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    static func uint16s(_ bytes: ArraySlice<UInt8>) -> [UInt16] {
        var result = [UInt16](repeating: 0, count: bytes.count / 2)
        var offset = bytes.startIndex
        for index in result.indices {
            let low = UInt16(bytes[offset])
            let high = UInt16(bytes[offset + 1])
            result[index] = low | high << 8
            offset += 2
        }
        return result
    }

    static func uint32s(_ bytes: ArraySlice<UInt8>) -> [UInt32] {
        var result = [UInt32](repeating: 0, count: bytes.count / 4)
        var offset = bytes.startIndex
        for index in result.indices {
            var value: UInt32 = 0
            for byte in 0..<4 { value |= UInt32(bytes[offset + byte]) << UInt32(8 * byte) }
            result[index] = value
            offset += 4
        }
        return result
    }
}
