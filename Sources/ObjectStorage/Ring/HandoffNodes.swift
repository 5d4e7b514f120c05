import Crypto

/// The devices to use, in order, when a partition's primary devices cannot be reached: a lazy
/// sequence of every other device that holds partitions, each once, never a primary (empty for
/// a partition number outside the ring).
///
/// As Swift's `get_more_nodes` does, it walks the table from a starting partition derived from
/// the partition number (the top bits of MD5 of its decimal text), stepping by
/// `max(partitions / 65536, 1)` and reading the devices of each partition it passes, in four
/// rounds: first devices in regions no earlier node is in, then in zones no earlier node is in,
/// then on servers (ips) no earlier node is on, then any device not yet used. Because the walk
/// follows the table, devices come up roughly in proportion to their weights, and a partition's
/// handoffs change little when the ring changes.
public struct HandoffNodes: Sequence, Sendable {
    let ring: RingData
    let partition: Int

    public func makeIterator() -> Iterator { Iterator(ring: ring, partition: partition) }

    public struct Iterator: IteratorProtocol, Sendable {
        let ring: RingData
        let start: Int
        let step: Int
        let steps: Int
        var round = 0
        var position = 0
        var replica = 0
        var used: Set<Int>
        var regions: Set<Int>
        var zones: Set<[Int]>
        var servers: Set<String>

        init(ring: RingData, partition: Int) {
            self.ring = ring
            let primaries = ring.primaryNodes(partition: partition)
            used = Set(primaries.map(\.id))
            regions = Set(primaries.map(\.region))
            zones = Set(primaries.map { [$0.region, $0.zone] })
            servers = Set(primaries.map(Iterator.server))
            let digest = Array(Insecure.MD5.hash(data: Array(String(partition).utf8)))
            start = HashPath.topBits(digest, partPower: ring.partPower)
            step = Swift.max(ring.partitionCount / 65536, 1)
            steps = ring.partitionCount / step
            if partition < 0 || partition >= ring.partitionCount { round = 4 }  // no such partition: no handoffs
        }

        static func server(_ device: RingDevice) -> String { "\(device.region)/\(device.zone)/\(device.ip)" }

        /// Whether every domain this round looks for is already used.
        private func exhausted() -> Bool {
            switch round {
            case 0: regions.count >= ring.assignedRegionCount
            case 1: zones.count >= ring.assignedZoneCount
            case 2: servers.count >= ring.assignedServerCount
            default: used.count >= ring.assignedDeviceCount
            }
        }

        private func fits(_ device: RingDevice) -> Bool {
            guard !used.contains(device.id) else { return false }
            switch round {
            case 0: return !regions.contains(device.region)
            case 1: return !zones.contains([device.region, device.zone])
            case 2: return !servers.contains(Iterator.server(device))
            default: return true
            }
        }

        public mutating func next() -> RingDevice? {
            while round < 4 {
                if position >= steps || exhausted() {
                    round += 1
                    position = 0
                    replica = 0
                    continue
                }
                let partition = (start + position * step) % ring.partitionCount
                let id = Int(ring.assignments[replica * ring.partitionCount + partition])
                replica += 1
                if replica == ring.replicaCount {
                    replica = 0
                    position += 1
                }
                guard let device = ring.devices[id], fits(device) else { continue }
                used.insert(device.id)
                regions.insert(device.region)
                zones.insert([device.region, device.zone])
                servers.insert(Iterator.server(device))
                return device
            }
            return nil
        }
    }
}
