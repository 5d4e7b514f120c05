/// Nova's default policy for servers and their actions (`nova/policies/servers.py` and the
/// action policies): a project's members act on its servers, its readers see them; admins
/// may do anything, and alone may see all projects, force hosts and act on locked servers.
enum ServerPolicyRules {
    static let memberOrAdmin = "(role:member and project_id:%(project_id)s) or rule:context_is_admin"
    static let readerOrAdmin = "(role:reader and project_id:%(project_id)s) or rule:context_is_admin"

    static let rules: [String: String] = {
        var rules: [String: String] = [
            "project_member_or_admin": memberOrAdmin,
            "project_reader_or_admin_servers": readerOrAdmin,
            "os_compute_api:servers:index": "rule:project_reader_or_admin_servers",
            "os_compute_api:servers:detail": "rule:project_reader_or_admin_servers",
            "os_compute_api:servers:index:get_all_tenants": "rule:context_is_admin",
            "os_compute_api:servers:detail:get_all_tenants": "rule:context_is_admin",
            "os_compute_api:servers:allow_all_filters": "rule:context_is_admin",
            "os_compute_api:servers:show": "rule:project_reader_or_admin_servers",
            "os_compute_api:servers:show:host_status": "rule:context_is_admin",
            "os_compute_api:servers:create": "rule:project_member_or_admin",
            "os_compute_api:servers:create:forced_host": "rule:context_is_admin",
            "os_compute_api:servers:create:requested_destination": "rule:context_is_admin",
            "os_compute_api:servers:update": "rule:project_member_or_admin",
            "os_compute_api:servers:delete": "rule:project_member_or_admin",
            "os_compute_api:os-extended-server-attributes": "rule:context_is_admin",
            "os_compute_api:os-lock-server:unlock:unlock_override": "rule:context_is_admin",
            "os_compute_api:os-instance-actions:list": "rule:project_reader_or_admin_servers",
            "os_compute_api:os-instance-actions:show": "rule:project_reader_or_admin_servers",
            "os_compute_api:os-instance-actions:events": "rule:context_is_admin",
            "os_compute_api:os-instance-actions:events:details": "rule:context_is_admin",
            "os_compute_api:os-console-output": "rule:project_member_or_admin",
            "os_compute_api:server-metadata:index": "rule:project_reader_or_admin_servers",
            "os_compute_api:server-metadata:show": "rule:project_reader_or_admin_servers",
            "os_compute_api:server-metadata:create": "rule:project_member_or_admin",
            "os_compute_api:server-metadata:update": "rule:project_member_or_admin",
            "os_compute_api:server-metadata:update_all": "rule:project_member_or_admin",
            "os_compute_api:server-metadata:delete": "rule:project_member_or_admin",
            "os_compute_api:os-server-tags:index": "rule:project_reader_or_admin_servers",
            "os_compute_api:os-server-tags:show": "rule:project_reader_or_admin_servers",
            "os_compute_api:os-server-tags:update": "rule:project_member_or_admin",
            "os_compute_api:os-server-tags:update_all": "rule:project_member_or_admin",
            "os_compute_api:os-server-tags:delete": "rule:project_member_or_admin",
            "os_compute_api:os-server-tags:delete_all": "rule:project_member_or_admin",
            "os_compute_api:os-admin-actions:reset_state": "rule:context_is_admin",
            "os_compute_api:os-admin-actions:inject_network_info": "rule:context_is_admin",
            "os_compute_api:servers:migrations:index": "rule:context_is_admin",
            "os_compute_api:servers:migrations:show": "rule:context_is_admin",
            "os_compute_api:servers:migrations:force_complete": "rule:context_is_admin",
            "os_compute_api:servers:migrations:delete": "rule:context_is_admin",
            "os_compute_api:os-migrate-server:migrate": "rule:context_is_admin",
            "os_compute_api:os-migrate-server:migrate_live": "rule:context_is_admin",
            "os_compute_api:os-evacuate": "rule:context_is_admin",
            "os_compute_api:os-shelve:shelve_offload": "rule:context_is_admin",
            "os_compute_api:os-server-diagnostics": "rule:context_is_admin",
            // Neutron calls it as a service user: Nova's default is the service role.
            "os_compute_api:os-server-external-events:create": "role:service or rule:context_is_admin",
            "os_compute_api:os-console-auth-tokens": "rule:context_is_admin",
            "os_compute_api:os-deferred-delete:restore": "rule:project_member_or_admin",
            "os_compute_api:os-deferred-delete:force": "rule:project_member_or_admin",
            "os_compute_api:os-attach-interfaces:list": "rule:project_reader_or_admin_servers",
            "os_compute_api:os-attach-interfaces:show": "rule:project_reader_or_admin_servers",
            "os_compute_api:os-attach-interfaces:create": "rule:project_member_or_admin",
            "os_compute_api:os-attach-interfaces:delete": "rule:project_member_or_admin",
            "os_compute_api:os-volumes-attachments:index": "rule:project_reader_or_admin_servers",
            "os_compute_api:os-volumes-attachments:show": "rule:project_reader_or_admin_servers",
            "os_compute_api:os-volumes-attachments:create": "rule:project_member_or_admin",
            "os_compute_api:os-volumes-attachments:update": "rule:project_member_or_admin",
            "os_compute_api:os-volumes-attachments:delete": "rule:project_member_or_admin",
            // Swapping is Cinder's volume migration calling back: Nova keeps it to admins.
            "os_compute_api:os-volumes-attachments:swap": "rule:context_is_admin",
        ]
        for action in [
            "os_compute_api:servers:start", "os_compute_api:servers:stop", "os_compute_api:servers:reboot",
            "os_compute_api:servers:rebuild", "os_compute_api:servers:resize", "os_compute_api:servers:confirm_resize",
            "os_compute_api:servers:revert_resize", "os_compute_api:servers:create_image",
            "os_compute_api:servers:create_image:allow_volume_backed", "os_compute_api:servers:trigger_crash_dump",
            "os_compute_api:os-pause-server:pause", "os_compute_api:os-pause-server:unpause",
            "os_compute_api:os-suspend-server:suspend", "os_compute_api:os-suspend-server:resume",
            "os_compute_api:os-lock-server:lock", "os_compute_api:os-lock-server:unlock",
            "os_compute_api:os-shelve:shelve", "os_compute_api:os-shelve:unshelve",
            "os_compute_api:os-rescue", "os_compute_api:os-unrescue", "os_compute_api:os-create-backup",
            "os_compute_api:os-admin-password", "os_compute_api:os-remote-consoles",
        ] {
            rules[action] = "rule:project_member_or_admin"
        }
        return rules
    }()
}
