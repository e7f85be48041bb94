-- docs/billing_contract.md, top: the contract's timestamp forms, on the
-- engine the build runs on, against values worked out by hand. A value
-- with a zone is read in UTC, its local time minus the offset (across
-- midnight, a month end, a leap day, a year end); a fraction is cut to
-- microseconds; a value that does not cast is NULL, also when a Unicode
-- line break follows it (the trim leaves those). A failing row names
-- the text, what was expected (NULL: not castable) and what was read.
{%- set cases = [
    ('2024-01-01', '2024-01-01 00:00:00'),
    ('2024-01-01 10:00:00', '2024-01-01 10:00:00'),
    ('2024-01-01T10:00:00.5', '2024-01-01 10:00:00.5'),
    ('2024-01-15T10:00:00Z', '2024-01-15 10:00:00'),
    ('2024-02-01T01:00:00+02:00', '2024-01-31 23:00:00'),
    ('2024-01-31T23:30:00-0130', '2024-02-01 01:00:00'),
    ('2024-01-10 12:00:00+05', '2024-01-10 07:00:00'),
    ('2024-03-01T02:00:00+03:00', '2024-02-29 23:00:00'),
    ('2024-12-31T23:00:00-01', '2025-01-01 00:00:00'),
    ('2024-01-15T10:00:00.1234567+01:00', '2024-01-15 09:00:00.123456'),
    ('2024-06-30T23:59:59.9999999-00:00', '2024-06-30 23:59:59.999999'),
    ('2024-01-01T00:00:00+14:00', '2023-12-31 10:00:00'),
    ('2024-01-01T00:00:00-1400', '2024-01-01 14:00:00'),
    ('2024-01-01T05:45:00+0545', '2024-01-01 00:00:00'),
    ('2024-01-01T10:00:00+0000', '2024-01-01 10:00:00'),
    ('2024-01-01T00:00:00+14:01', none),
    ('2024-01-01T00:00:00+15', none),
    ('2024-01-01T00:00:00+02:60', none),
    ('2024-01-01T00:00:00+0260', none),
    ('2024-01-01T00:00:00+2', none),
    ('2024-01-01T00:00:00+02:0', none),
    ('2024-01-01T00:00:00+02:00:00', none),
    ('2024-01-01+02:00', none),
    ('2024-01-01Z', none),
    ('2024-01-01T10:00:00 +02:00', none),
    ('2024-01-01T10:00:00z', none),
    ('2024-01-01T10:00Z', none),
    ('2024-01-01T10:00:00.Z', none),
    ('2024-02-30T10:00:00Z', none),
    ('2024-01-01T24:00:00Z', none),
    ('0001-01-01T00:30:00+01:00', none),
    ('9999-12-31T23:00:00-02:00', none),
    ('2024-01-01 ', none),
    ('2024-01-01T10:00:00 ', none),
    ('2024-01-01T10:00:00Z', none),
] %}

with

cases as (

    {% for text, utc in cases %}
        select
            '{{ text }}' as timestamp_text,
            cast(
                {{ "'" ~ utc ~ "'" if utc else 'null' }}
                as {{ dbt.type_timestamp() }}
            ) as expected_utc
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

read_values as (

    select
        timestamp_text,
        expected_utc,
        {{ strict_cast('timestamp_text', 'timestamp') }} as read_utc,
        {{ is_castable('timestamp_text', 'timestamp') }} as is_castable
    from cases

),

final as (

    select
        timestamp_text,
        expected_utc,
        read_utc
    from read_values
    where
        read_utc is distinct from expected_utc
        or is_castable != (expected_utc is not null)

)

select * from final
