/// Cuts subnets out of a subnet pool's prefixes: the lowest aligned prefix of the wanted
/// length that overlaps nothing already cut.
enum PrefixAllocator {
    static func firstFree(in prefixes: [CIDR], length: Int, taken: [CIDR]) -> CIDR? {
        for prefix in prefixes.sorted(by: { $0.network < $1.network }) where length >= prefix.prefixLength {
            let width = prefix.network.bitWidth
            guard length <= width else { continue }
            let step = UInt128(1) << UInt128(width - length)
            var candidate = prefix.network.value
            let end = prefix.last.value
            while candidate <= end {
                let block = CIDR(network: IPAddress(version: prefix.version, value: candidate), prefixLength: length)
                guard let clash = taken.first(where: { $0.overlaps(block) }) else { return block }
                // Jump past the block in the way (it may be larger than `length`).
                let next = max(candidate &+ step, clash.last.value &+ 1)
                guard next > candidate else { break }
                candidate = next
            }
        }
        return nil
    }
}
