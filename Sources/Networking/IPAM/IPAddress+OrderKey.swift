/// A text form of an address whose string order is its numeric order (32 lowercase hex
/// digits), so that SQL can find ranges and their neighbours with plain comparisons.
extension IPAddress {
    var orderKey: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 32 - digits.count) + digits
    }

    init?(orderKey: String, version: Version) {
        guard orderKey.utf8.count == 32, let value = UInt128(orderKey, radix: 16) else { return nil }
        self.init(version: version, value: value)
    }
}

extension AddressRange {
    /// This range less some addresses, as the ranges that remain (in order).
    func subtracting(_ addresses: [IPAddress]) -> [AddressRange] {
        var remaining: [AddressRange] = []
        var start = first
        for address in addresses.filter(contains).sorted() where address >= start {
            if address > start {
                remaining.append(AddressRange(first: start, last: IPAddress(version: address.version, value: address.value - 1)))
            }
            guard address < last else { return remaining }
            start = address.adding(1)
        }
        remaining.append(AddressRange(first: start, last: last))
        return remaining
    }
}
