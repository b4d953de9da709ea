"""The edge with the national platform (全国中小企业融资综合信用服务平台): reporting facts up,
taking financing demands down (上传下达). The protocol is docs/national-uplink.md; its JSON
Schemas are under docs/schemas/. Off unless ``HUB_NATIONAL_URL`` is set.

- ``facts``: the fact types, their builders (free of personal data) and the outbox writer;
- ``protocol``: the wire format shared by the client and the simulator;
- ``client``: the only module here that talks to the network;
- ``uplink``: batches, acknowledgements, parking, pause and resume;
- ``downlink``: national demands placed in the hub, through a receiver lending registers;
- ``reconciliation``: a day's counts on both sides;
- ``simulator``: a national node on loopback (``manage.py simulate_national``).
"""
