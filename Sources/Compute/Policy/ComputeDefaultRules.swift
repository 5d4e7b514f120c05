/// Nova's default policy for the routes served: flavor writes, extra-spec writes and
/// flavor access are for admins; extra-spec reads for a project reader or an admin;
/// keypairs for their owner or an admin.
enum ComputeDefaultRules {
    static let rules: [String: String] = [
        "context_is_admin": "role:admin",
        "project_reader_api": "role:reader and project_id:%(project_id)s",
        "project_reader_or_admin": "rule:project_reader_api or rule:context_is_admin",
        "os_compute_api:os-flavor-manage:create": "rule:context_is_admin",
        "os_compute_api:os-flavor-manage:update": "rule:context_is_admin",
        "os_compute_api:os-flavor-manage:delete": "rule:context_is_admin",
        "os_compute_api:os-flavor-extra-specs:index": "rule:project_reader_or_admin",
        "os_compute_api:os-flavor-extra-specs:show": "rule:project_reader_or_admin",
        "os_compute_api:os-flavor-extra-specs:create": "rule:context_is_admin",
        "os_compute_api:os-flavor-extra-specs:update": "rule:context_is_admin",
        "os_compute_api:os-flavor-extra-specs:delete": "rule:context_is_admin",
        "os_compute_api:os-flavor-access": "rule:context_is_admin",
        "os_compute_api:os-flavor-access:add_tenant_access": "rule:context_is_admin",
        "os_compute_api:os-flavor-access:remove_tenant_access": "rule:context_is_admin",
        "os_compute_api:os-keypairs:index": "(rule:context_is_admin) or user_id:%(user_id)s",
        "os_compute_api:os-keypairs:create": "(rule:context_is_admin) or user_id:%(user_id)s",
        "os_compute_api:os-keypairs:show": "(rule:context_is_admin) or user_id:%(user_id)s",
        "os_compute_api:os-keypairs:delete": "(rule:context_is_admin) or user_id:%(user_id)s",
    ]
}
