"""Network (Neutron v2.0) through openstacksdk: create_network/create_subnet/create_port,
100 concurrent port creates on one subnet, list filters and paging."""

import os
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import lib  # noqa: E402

import openstack  # noqa: E402
from openstack import exceptions as sdk_exc  # noqa: E402

s = lib.Scenario()
try:
    s.start_stratus()
    conn = s.check("connect as admin", lambda: (lambda c: c if c.authorize() else False)(openstack.connect(cloud="stratus")))
    if conn is None:
        s.bail("could not connect")
    net = conn.network
    s.check("network endpoint from the catalog is on 127.0.0.1:9696", lambda: "127.0.0.1:9696" in conn.endpoint_for("network"))

    network = s.check("create_network", lambda: net.create_network(name="sdk-net"))
    subnet = s.check("create_subnet", lambda: net.create_subnet(
        network_id=network.id, ip_version=4, cidr="172.16.0.0/24", name="sdk-sub"))
    s.expect("subnet gateway is the first address", subnet.gateway_ip == "172.16.0.1")
    port = s.check("create_port", lambda: net.create_port(network_id=network.id, name="sdk-port"))
    s.expect("port has one address in the subnet", len(port.fixed_ips) == 1
             and port.fixed_ips[0]["subnet_id"] == subnet.id)

    # 100 ports at once on one subnet: 100 distinct addresses and MACs.
    def make(i):
        c = openstack.connect(cloud="stratus")
        return c.network.create_port(network_id=network.id, name=f"burst-{i}")

    with ThreadPoolExecutor(max_workers=16) as pool:
        burst = s.check("100 concurrent port creates", lambda: list(pool.map(make, range(100))))
    burst = burst or []
    addresses = {p.fixed_ips[0]["ip_address"] for p in burst}
    s.expect("100 ports were created", len(burst) == 100, len(burst))
    s.expect("100 distinct addresses", len(addresses) == 100, len(addresses))
    s.expect("100 distinct MACs", len({p.mac_address for p in burst}) == 100)

    named = s.check("list ports filtered by name", lambda: list(net.ports(name="burst-7")))
    s.expect("the filter selects one port", [p.name for p in named or []] == ["burst-7"])
    paged = s.check("list ports 10 a page", lambda: list(net.ports(network_id=network.id, limit=10)))
    s.expect("paging returns every port once", len({p.id for p in paged or []}) == 101, len(paged or []))
    by_ip = s.check("list ports by fixed ip", lambda: list(net.ports(fixed_ips=[f"ip_address={port.fixed_ips[0]['ip_address']}"])))
    s.expect("the fixed-ip filter selects the port", [p.id for p in by_ip or []] == [port.id])

    # If-Match on the revision: a stale revision is refused, the current one applies.
    fresh = net.get_port(port.id)
    before = fresh.revision_number
    s.expect_raises("a stale if_revision is 412", sdk_exc.PreconditionFailedException,
                    lambda: net.update_port(fresh, name="renamed", if_revision=before + 3))
    renamed = s.check("the current if_revision updates", lambda: net.update_port(
        net.get_port(port.id), name="renamed", if_revision=before))
    s.expect("the revision moved on", renamed is not None and renamed.revision_number == before + 1,
             renamed.revision_number if renamed else None)

    # Address groups and DNS attributes through the SDK.
    group = s.check("create_address_group", lambda: net.create_address_group(
        name="sdk-ag", addresses=["10.1.2.0/24"], project_id=conn.current_project_id))
    if group is not None:
        grown = s.check("add_addresses_to_address_group", lambda: net.add_addresses_to_address_group(group, ["10.9.9.9/32"]))
        s.expect("the group has both addresses", sorted(grown.addresses) == ["10.1.2.0/24", "10.9.9.9/32"] if grown else False)
        s.check("delete_address_group", lambda: net.delete_address_group(group) or True)
    s.expect("ports carry dns_assignment", bool(renamed and renamed.dns_assignment
             and renamed.dns_assignment[0]["fqdn"].endswith(".openstacklocal.")))

    s.expect_raises("deleting the network with ports is a conflict", sdk_exc.ConflictException,
                    lambda: net.delete_network(network, ignore_missing=False))
    for p in burst + [port]:
        net.delete_port(p)
    s.check("then the network deletes", lambda: net.delete_network(network, ignore_missing=False) or True)
    s.expect_raises("and it is gone", sdk_exc.NotFoundException, lambda: net.get_network(network.id))
except SystemExit:
    raise
except BaseException as error:  # noqa: BLE001
    s.record(False, f"scenario raised {type(error).__name__}: {error}")
s.finish()
