import PostgresNIO
import SQLiteNIO

/// Engine-neutral reading of database errors.
enum DatabaseErrors {
    /// A UNIQUE or PRIMARY KEY constraint refused a row: the API answers 409.
    static func isUniqueViolation(_ error: any Error) -> Bool {
        if let error = error as? PSQLError {
            return error.serverInfo?[.sqlState] == "23505"
        }
        if let error = error as? SQLiteError {
            return error.reason == .constraintUniqueFailed
                || error.reason == .constraintPrimaryKeyFailed
        }
        return false
    }
}
