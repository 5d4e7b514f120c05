/// More free local disk weighs more.
struct DiskWeigher: HostWeigher {
    func weight(_ host: HostState) -> Double { Double(host.freeDiskGB) }
}
