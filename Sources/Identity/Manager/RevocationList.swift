import Synchronization
import StratusKit

/// The revocation events still able to match a live token, held in memory so that
/// validating a token costs no query. Written through to the database.
final class RevocationList: Sendable {
    private let events = Mutex<[RevocationEvent]>([])

    func load(_ loaded: [RevocationEvent]) {
        events.withLock { $0 = loaded }
    }

    func add(_ event: RevocationEvent) {
        events.withLock { $0.append(event) }
    }

    func isRevoked(_ payload: TokenPayload, projectDomainID: String?) -> Bool {
        let projectID: String? = if case .project(let id) = payload.scope { id } else { nil }
        let domainID: String? = if case .domain(let id) = payload.scope { id } else { projectDomainID }
        return events.withLock { events in
            events.contains { event in
                guard payload.issuedAt <= event.issuedBefore else { return false }
                if let auditID = event.auditID, payload.auditIDs.first != auditID { return false }
                if let userID = event.userID, userID != payload.userID { return false }
                if let eventProject = event.projectID, eventProject != projectID { return false }
                if let eventDomain = event.domainID, eventDomain != domainID { return false }
                return event.auditID != nil || event.userID != nil || event.projectID != nil || event.domainID != nil
            }
        }
    }
}
