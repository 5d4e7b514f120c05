/// More free RAM weighs more: with a positive multiplier servers spread over hosts, with a
/// negative one they stack on the fullest host that fits.
struct RAMWeigher: HostWeigher {
    func weight(_ host: HostState) -> Double { Double(host.freeRamMB) }
}
