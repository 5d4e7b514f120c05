import Foundation

/// clouds.yaml and openrc for the clients, written into the data directory.
enum CloudFiles {
    static func write(dataDirectory: String, authURL: String, password: String, region: String) throws {
        let clouds = """
            # Written by `stratus up`. Use: export OS_CLIENT_CONFIG_FILE=\(dataDirectory)/clouds.yaml
            clouds:
              stratus:
                auth:
                  auth_url: \(authURL)
                  username: admin
                  password: \(yamlQuoted(password))
                  project_name: admin
                  user_domain_id: default
                  project_domain_id: default
                region_name: \(region)
                identity_api_version: 3
                interface: public
              stratus-system:
                auth:
                  auth_url: \(authURL)
                  username: admin
                  password: \(yamlQuoted(password))
                  user_domain_id: default
                  system_scope: all
                region_name: \(region)
                identity_api_version: 3
                interface: public

            """
        let openrc = """
            # Written by `stratus up`. Use: source \(dataDirectory)/openrc
            export OS_AUTH_URL=\(authURL)
            export OS_IDENTITY_API_VERSION=3
            export OS_USERNAME=admin
            export OS_PASSWORD=\(shellQuoted(password))
            export OS_PROJECT_NAME=admin
            export OS_USER_DOMAIN_ID=default
            export OS_PROJECT_DOMAIN_ID=default
            export OS_REGION_NAME=\(region)
            export OS_INTERFACE=public

            """
        try writeSecret(clouds, to: dataDirectory + "/clouds.yaml")
        try writeSecret(openrc, to: dataDirectory + "/openrc")
    }

    /// Writes a file readable by its owner only: these files hold the admin password.
    static func writeSecret(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try Data(text.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    static func yamlQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
