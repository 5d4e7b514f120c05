import StratusKit

/// What a rebalance did.
public struct RebalanceResult: Sendable, Equatable {
    /// Partition-replicas now on a different device than before (every one on a first rebalance).
    public var movedPartReplicas: Int
    /// Partitions with at least one replica on a different device.
    public var movedPartitions: Int
    /// Ids of the devices marked for removal that this rebalance dropped.
    public var removedDevices: [Int]
    /// Devices whose partition-replicas could not all be moved (min part hours, or no room that
    /// keeps the replicas dispersed); 0 when every device reached its target.
    public var devicesOffTarget: Int
    /// The balance after the rebalance (see `RingBuilder.balance()`).
    public var balance: Double
    /// The dispersion after the rebalance (see `RingBuilder.dispersion()`).
    public var dispersion: Double
}

extension RingBuilder {
    /// Reassigns partitions so that each has `replicas` distinct devices, spread over distinct
    /// regions, then zones, then servers, as far as the topology allows, and each device holds
    /// its share of the partition-replicas by weight (within the dispersion the plan asks for;
    /// see `PlacementTree`). Moves as few partition-replicas as it can:
    ///
    /// 1. replicas on devices marked for removal are taken off (whatever min part hours says)
    ///    and the devices dropped;
    /// 2. every empty slot (all of them on a first rebalance) is filled, walking down the
    ///    failure-domain tree and taking, at each level, a child that does not yet hold its
    ///    maximum of this partition's replicas and has the most partition-replicas still wanted;
    ///    when every such device is full, a replica this rebalance placed earlier is passed on
    ///    along a chain of devices to one below its target (it was moving anyway), and only if
    ///    there is no such chain does a device take more than its target;
    /// 3. a partition whose replicas are closer together than the plan allows has one replica
    ///    moved where it is better dispersed;
    /// 4. starting at a point that rotates between rebalances, partitions with a replica on a
    ///    device above its target have one such replica moved to a device below its target, if
    ///    one exists where dispersion stays within the plan; this stops when no device is above
    ///    target, so only the surplus moves.
    ///
    /// Steps 3 and 4 move at most one replica of a partition per rebalance and skip partitions
    /// moved less than `minPartHours` ago (a replica placed earlier in the same rebalance may
    /// move on). Every partition whose devices changed gets `now` as its move time.
    ///
    /// - Parameter seed: makes the run repeatable (ties between equally good devices are broken
    ///   at random, and the balancing pass starts at a random point).
    @discardableResult
    public mutating func rebalance(now: Timestamp = .now(), seed: UInt64? = nil) throws -> RebalanceResult {
        var tree = PlacementTree(devices: devices) { [pendingRemoval] device in
            pendingRemoval.contains(device.id) ? 0 : device.weight
        }
        guard tree.weightedDeviceCount >= replicas else {
            throw RingError.cannotBuild(
                "\(replicas) replicas need at least \(replicas) devices with weight above 0; there are \(tree.weightedDeviceCount)")
        }
        tree.plan(replicas: replicas, partitions: partitions)
        var generator = SplitMix64(seed: seed ?? UInt64.random(in: 0...UInt64.max))
        let before = assignments
        let table =
            assignments.isEmpty ? [UInt16](repeating: RingBuilder.unassigned, count: replicas * partitions) : assignments
        assignments = []
        let nowSeconds = UInt32(clamping: max(now.seconds, 1))
        let settle = UInt32(clamping: minPartHours * 3600)
        var work = Rebalancer(
            replicas: replicas, partitions: partitions, table: table, tree: tree, deviceCount: devices.count,
            lastMoved: lastMoved.isEmpty ? [UInt32](repeating: 0, count: partitions) : lastMoved,
            now: nowSeconds, settle: settle, generator: generator)
        work.takeOffRemovedDevices(pendingRemoval)
        try work.fillEmptySlots()
        work.improveDispersion()
        let start = (gatherStart + partitions / 4 + Int.random(in: 0...partitions / 2, using: &generator)) % partitions
        work.moveSurplus(startingAt: start)

        assignments = work.table
        gatherStart = start
        var movedPartReplicas = 0
        var changed = [Bool](repeating: before.isEmpty, count: partitions)
        if before.isEmpty {
            movedPartReplicas = assignments.count
        } else {
            for index in assignments.indices where assignments[index] != before[index] {
                movedPartReplicas += 1
                changed[index % partitions] = true
            }
        }
        var movedPartitions = 0
        lastMoved = work.lastMoved
        for partition in 0..<partitions where changed[partition] {
            lastMoved[partition] = nowSeconds
            movedPartitions += 1
        }
        let removed = pendingRemoval.sorted()
        for id in removed { devices[id] = nil }
        while let last = devices.last, last == nil { devices.removeLast() }
        pendingRemoval = []
        devicesChanged = false
        lastRebalance = now
        version += 1
        return RebalanceResult(
            movedPartReplicas: movedPartReplicas, movedPartitions: movedPartitions, removedDevices: removed,
            devicesOffTarget: work.devicesAboveTarget, balance: balance(), dispersion: dispersion())
    }
}

/// The working state of one rebalance (see `RingBuilder.rebalance`).
struct Rebalancer {
    let replicas: Int
    let partitions: Int
    var table: [UInt16]
    let tree: PlacementTree
    /// Per device id: partition-replicas held, and wanted by the plan.
    var parts: [Int]
    var target: [Int]
    /// Per tree node: the partition-replicas its devices still want (sum of positive wants).
    var available: [Int]
    /// Per tree node: replicas of the partition being worked on in that tier.
    var counts: [Int]
    /// Per tree node: a random rank that breaks ties.
    var rank: [UInt64]
    /// Per partition: moved during this rebalance.
    var moved: [Bool]
    var lastMoved: [UInt32]
    /// Per device id: the slots (`replica * partitions + partition`) placed on it by this rebalance.
    var placed: [[Int]]
    /// Per slot: placed by this rebalance (such a replica is moving anyway; sending it elsewhere costs nothing).
    var fresh: [Bool]
    let now: UInt32
    let settle: UInt32
    var devicesAboveTarget = 0
    /// Searches for a chain that found none; after 64 the search is skipped (a topology that
    /// cannot meet the plan would otherwise pay for a search per replica).
    var failedReroutes = 0
    var generator: SplitMix64

    init(
        replicas: Int, partitions: Int, table: [UInt16], tree: PlacementTree, deviceCount: Int, lastMoved: [UInt32],
        now: UInt32, settle: UInt32, generator: SplitMix64
    ) {
        self.replicas = replicas
        self.partitions = partitions
        self.table = table
        self.tree = tree
        self.lastMoved = lastMoved
        self.now = now
        self.settle = settle
        var generator = generator
        rank = tree.nodes.indices.map { _ in generator.next() }
        self.generator = generator
        parts = [Int](repeating: 0, count: deviceCount)
        target = [Int](repeating: 0, count: deviceCount)
        available = [Int](repeating: 0, count: tree.nodes.count)
        counts = [Int](repeating: 0, count: tree.nodes.count)
        moved = [Bool](repeating: false, count: partitions)
        placed = [[Int]](repeating: [], count: deviceCount)
        fresh = [Bool](repeating: false, count: table.count)
        for node in tree.nodes where node.depth == 4 { target[node.device] = node.targetParts }
        for id in table where id != RingBuilder.unassigned { parts[Int(id)] += 1 }
        for id in 0..<deviceCount where tree.tier(id, 4) >= 0 {
            let want = max(target[id] - parts[id], 0)
            if want > 0 { addAvailable(want, device: id) }
            if parts[id] > target[id] { devicesAboveTarget += 1 }
        }
    }

    // MARK: Bookkeeping

    private mutating func addAvailable(_ amount: Int, device: Int) {
        available[0] += amount
        for depth in 1...PlacementTree.tierCount { available[tree.tier(device, depth)] += amount }
    }

    /// Changes the partition-replicas a device holds, keeping `available` and the count of devices above target.
    mutating func adjust(_ device: Int, by delta: Int) {
        let oldWant = max(target[device] - parts[device], 0)
        let wasAbove = parts[device] > target[device]
        parts[device] += delta
        let newWant = max(target[device] - parts[device], 0)
        if newWant != oldWant { addAvailable(newWant - oldWant, device: device) }
        let isAbove = parts[device] > target[device]
        if wasAbove != isAbove { devicesAboveTarget += isAbove ? 1 : -1 }
    }

    private mutating func count(_ device: Int, _ delta: Int) {
        counts[0] += delta
        for depth in 1...PlacementTree.tierCount { counts[tree.tier(device, depth)] += delta }
    }

    /// Counts the replicas of `partition` into `counts` (undo with `forget`).
    mutating func load(_ partition: Int) {
        for replica in 0..<replicas {
            let id = table[replica * partitions + partition]
            if id != RingBuilder.unassigned { count(Int(id), 1) }
        }
    }

    mutating func forget(_ partition: Int) {
        for replica in 0..<replicas {
            let id = table[replica * partitions + partition]
            if id != RingBuilder.unassigned { count(Int(id), -1) }
        }
    }

    func canMove(_ partition: Int) -> Bool {
        !moved[partition]
            && (lastMoved[partition] == 0 || (now >= lastMoved[partition] && now - lastMoved[partition] >= settle))
    }

    /// How far over the plan's per-partition maxima a replica on `device` is, from the region down
    /// (compared lexicographically; all zeros when within the plan). `counts` must not include it.
    func excess(_ device: Int) -> (Int, Int, Int, Int) {
        func over(_ depth: Int) -> Int {
            let node = tree.tier(device, depth)
            return max(counts[node] + 1 - tree.nodes[node].maxPerPartition, 0)
        }
        return (over(1), over(2), over(3), over(4))
    }

    // MARK: Choosing a device

    /// A device for one more replica of the partition loaded in `counts`. Strict: only devices
    /// below target whose every tier stays within the plan. Otherwise: the best-dispersed device
    /// not already holding the partition, preferring the tiers that want the most.
    func choose(strict: Bool) -> Int? { descend(0, strict: strict) }

    private func descend(_ node: Int, strict: Bool) -> Int? {
        let here = tree.nodes[node]
        if here.depth == PlacementTree.tierCount {
            guard counts[node] == 0 else { return nil }
            if strict, target[here.device] - parts[here.device] <= 0 { return nil }
            return here.device
        }
        var tried: [Int] = []
        while true {
            var best = -1
            var bestKey = (Int.max, Int.min, UInt64.max)
            for child in here.children where tree.nodes[child].weightedDevices > 0 && !tried.contains(child) {
                let over = max(counts[child] + 1 - tree.nodes[child].maxPerPartition, 0)
                if strict, over > 0 || available[child] <= 0 { continue }
                let key = (over, available[child], rank[child])
                if key.0 < bestKey.0 || (key.0 == bestKey.0 && (key.1 > bestKey.1 || (key.1 == bestKey.1 && key.2 < bestKey.2))) {
                    best = child
                    bestKey = key
                }
            }
            guard best >= 0 else { return nil }
            if let device = descend(best, strict: strict) { return device }
            tried.append(best)
        }
    }

    /// A device for one more replica of the partition loaded in `counts`: one below target
    /// within the plan if there is one; else a full one within the plan after shifting replicas
    /// this rebalance placed along a chain of devices to one below target (see `reroute`); else
    /// the best-dispersed device (`choose(strict: false)`).
    mutating func placeGathered(_ partition: Int) -> Int? {
        if let device = choose(strict: true) { return device }
        if failedReroutes < 64 {
            if let device = reroute(toMakeRoomFor: partition) { return device }
            failedReroutes += 1
        }
        return choose(strict: false)
    }

    /// Devices not holding the partition loaded in `counts` where one more replica stays within the plan.
    private func devicesWithinPlan(excluding excluded: Int = -1) -> [Int] {
        var result: [Int] = []
        for node in tree.nodes where node.depth == PlacementTree.tierCount && node.weightedDevices > 0 {
            if node.device != excluded, counts[tree.tier(node.device, 4)] == 0, excess(node.device) == (0, 0, 0, 0) {
                result.append(node.device)
            }
        }
        return result
    }

    /// Makes room for `partition` on a full device within the plan: searches (breadth first) for
    /// a chain `device₀ → device₁ → … → deviceₖ` where each step moves a replica this rebalance
    /// already placed on one device to the next (keeping that partition within the plan) and
    /// `deviceₖ` is below target; shifts the replicas along it and returns `device₀`. Replicas
    /// that were moving anyway move elsewhere, so no partition moves that would not have.
    private mutating func reroute(toMakeRoomFor partition: Int) -> Int? {
        let sources = devicesWithinPlan().filter { !placed[$0].isEmpty }  // entries may be stale; checked below
        guard !sources.isEmpty else { return nil }
        forget(partition)
        defer { load(partition) }
        var via: [Int: (from: Int, slot: Int)] = [:]
        var seen = Set(sources)
        var queue = sources
        var budget = 4096
        var head = 0
        var found: (device: Int, from: Int, slot: Int)? = nil
        search: while head < queue.count {
            let device = queue[head]
            head += 1
            var chain: Set<Int> = [partition]
            var step = device
            while let previous = via[step] {
                chain.insert(previous.slot % partitions)
                step = previous.from
            }
            for slot in placed[device].reversed() where fresh[slot] && Int(table[slot]) == device {
                budget -= 1
                if budget < 0 { break search }
                let other = slot % partitions
                if chain.contains(other) { continue }
                load(other)
                count(device, -1)
                let options = devicesWithinPlan(excluding: device)
                count(device, 1)
                forget(other)
                if let below = options.first(where: { target[$0] > parts[$0] }) {
                    found = (below, device, slot)
                    break search
                }
                for option in options where !seen.contains(option) {
                    seen.insert(option)
                    via[option] = (device, slot)
                    queue.append(option)
                }
            }
        }
        guard var (destination, from, slot) = found else { return nil }
        while true {
            table[slot] = UInt16(destination)
            adjust(from, by: -1)
            adjust(destination, by: 1)
            placed[destination].append(slot)  // the entry left under `from` is stale now
            guard let previous = via[from] else { return from }
            destination = from
            (from, slot) = previous
        }
    }

    /// Puts `device` into a slot of the partition loaded in `counts`.
    private mutating func assign(_ device: Int, slot: Int) {
        table[slot] = UInt16(device)
        adjust(device, by: 1)
        count(device, 1)
        placed[device].append(slot)
        fresh[slot] = true
        moved[slot % partitions] = true
    }

    // MARK: The steps

    /// Step 1: empties the slots held by devices being removed.
    mutating func takeOffRemovedDevices(_ removing: Set<Int>) {
        guard !removing.isEmpty else { return }
        for index in table.indices where table[index] != RingBuilder.unassigned && removing.contains(Int(table[index])) {
            adjust(Int(table[index]), by: -1)
            table[index] = RingBuilder.unassigned
            moved[index % partitions] = true
        }
    }

    /// Step 2: gives every empty slot a device.
    mutating func fillEmptySlots() throws {
        var pending: [Int] = []
        for partition in 0..<partitions {
            for replica in 0..<replicas where table[replica * partitions + partition] == RingBuilder.unassigned {
                pending.append(partition)
                break
            }
        }
        pending.shuffle(using: &generator)
        for partition in pending {
            load(partition)
            for replica in 0..<replicas where table[replica * partitions + partition] == RingBuilder.unassigned {
                guard let device = placeGathered(partition) else {
                    throw RingError.cannotBuild("no device can take replica \(replica) of partition \(partition)")
                }
                assign(device, slot: replica * partitions + partition)
            }
            forget(partition)
        }
    }

    /// Step 3: moves one replica of each movable partition that is closer together than the plan allows.
    mutating func improveDispersion() {
        for partition in 0..<partitions where canMove(partition) {
            load(partition)
            var worst: (replica: Int, device: Int)? = nil
            for replica in 0..<replicas {
                let device = Int(table[replica * partitions + partition])
                count(device, -1)
                let outside = excess(device) != (0, 0, 0, 0)
                count(device, 1)
                if outside, worst == nil || target[device] - parts[device] < target[worst!.device] - parts[worst!.device] {
                    worst = (replica, device)
                }
            }
            if let (replica, device) = worst {
                let slot = replica * partitions + partition
                count(device, -1)
                table[slot] = RingBuilder.unassigned
                adjust(device, by: -1)
                if let better = placeGathered(partition), better != device, excess(better) < excess(device) {
                    assign(better, slot: slot)
                } else {
                    assign(device, slot: slot)
                    fresh[slot] = false
                    moved[partition] = false
                }
            }
            forget(partition)
        }
    }

    /// Step 4: moves replicas off devices above target onto devices below it, one per partition
    /// (a replica this rebalance already placed may move on again: it is moving anyway).
    mutating func moveSurplus(startingAt start: Int) {
        guard devicesAboveTarget > 0 else { return }
        var candidates: [(replica: Int, device: Int)] = []
        for offset in 0..<partitions {
            if devicesAboveTarget == 0 || available[0] == 0 { break }
            let partition = (start + offset) % partitions
            let movable = canMove(partition)
            guard movable || moved[partition] else { continue }
            candidates.removeAll(keepingCapacity: true)
            for replica in 0..<replicas {
                let slot = replica * partitions + partition
                let device = Int(table[slot])
                if parts[device] > target[device], movable || fresh[slot] { candidates.append((replica, device)) }
            }
            if candidates.isEmpty { continue }
            candidates.sort { parts[$0.device] - target[$0.device] > parts[$1.device] - target[$1.device] }
            load(partition)
            for (replica, device) in candidates {
                count(device, -1)
                if let destination = choose(strict: true) {
                    adjust(device, by: -1)
                    assign(destination, slot: replica * partitions + partition)
                    break
                }
                count(device, 1)
            }
            forget(partition)
        }
    }
}

