-- SPDX-License-Identifier: GPL-2.0-only
-- whoflow IPFIX post-dissector: names the enterprise-specific elements of
-- whoflow's IPFIX flow records (whoflow --ipfix; docs/fleet.md), which
-- Wireshark's IPFIX dissector shows as "Enterprise Private entry ... Type N"
-- with raw bytes, as filterable fields: whoflow_ipfix.src.name == "curl".
-- Install: copy to ~/.local/lib/wireshark/plugins/ (make install puts it in
-- Wireshark's global plugin directory), or run tshark -X lua_script:whoflow_ipfix.lua.
-- Decode the collector's port as IPFIX (-d udp.port==4739,cflow) if it is not 4739.
-- The enterprise number is whoflow's default, 32473 (RFC 5612); an exporter
-- run with --ipfix-pen N is read with -X lua_script1:pen=N.

local p = Proto("whoflow_ipfix", "whoflow IPFIX elements")

local pen = 32473
for _, a in ipairs({ ... }) do
    local n = a:match("^pen=(%d+)$")
    if n then pen = tonumber(n) end
end

-- element number -> field, and whether it is a string (else an unsigned integer)
local elements = {
    [1] = { ProtoField.string("whoflow_ipfix.flow_id", "Flow ID"), true },
    [2] = { ProtoField.string("whoflow_ipfix.community_id", "Community ID"), true },
    [3] = { ProtoField.string("whoflow_ipfix.domain", "Domain the initiator resolved"), true },
    [4] = { ProtoField.uint32("whoflow_ipfix.src.pid", "Source PID"), false },
    [5] = { ProtoField.string("whoflow_ipfix.src.name", "Source process name"), true },
    [6] = { ProtoField.string("whoflow_ipfix.src.exe", "Source executable"), true },
    [7] = { ProtoField.string("whoflow_ipfix.src.container", "Source container ID"), true },
    [8] = { ProtoField.uint64("whoflow_ipfix.src.cgroup", "Source cgroup ID"), false },
    [9] = { ProtoField.uint32("whoflow_ipfix.dst.pid", "Destination PID"), false },
    [10] = { ProtoField.string("whoflow_ipfix.dst.name", "Destination process name"), true },
    [11] = { ProtoField.string("whoflow_ipfix.dst.exe", "Destination executable"), true },
    [12] = { ProtoField.string("whoflow_ipfix.dst.container", "Destination container ID"), true },
    [13] = { ProtoField.uint64("whoflow_ipfix.dst.cgroup", "Destination cgroup ID"), false },
}
for _, e in pairs(elements) do
    table.insert(p.fields, e[1])
end

local entry_field = Field.new("cflow.enterprise_private_entry")

-- Wireshark shows no entry for an empty string: each record's fields are
-- gathered (a record starts with whoflowSourceCgroupId, the first of whoflow's
-- elements in its template) and added in one subtree per record, the empty
-- ones too, so that each record has every field once and in order.
local function add_record(tree, rec)
    local sub = tree:add(p, "whoflow IPFIX elements")
    for num = 1, 13 do
        local e, r = elements[num], rec[num]
        if e[2] then
            if r and r:len() > 0 then sub:add(e[1], r, r:string()) else sub:add(e[1], "") end
        elseif r and r:len() == 8 then
            sub:add(e[1], r, r:uint64())
        elseif r and r:len() == 4 then
            sub:add(e[1], r, r:uint())
        end
    end
end

function p.dissector(tvb, pinfo, tree)
    local rec
    for _, fi in ipairs({ entry_field() }) do
        local disp = fi.display or ""
        local num = tonumber(disp:match("Type (%d+)"))
        local ours = disp:find("(" .. pen .. ")", 1, true) or
            (pen == 32473 and disp:find("Documentation Use", 1, true))
        if num and elements[num] and ours then
            if num == 8 then
                if rec then add_record(tree, rec) end
                rec = {}
            end
            if rec then rec[num] = fi.range end
        end
    end
    if rec then add_record(tree, rec) end
end

register_postdissector(p)
