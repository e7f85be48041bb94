{#
    The contract's casts (billing-contract.md): a text value casts only when
    it has the exact form the contract names, whatever an engine's lenient
    cast would make of it. `is_castable` is true for NULL (NULL is checked
    separately, with its own reason); `strict_cast` is NULL when the value
    does not cast.
#}

{% macro clean_text(column) -%}
    nullif({{ arpu.trim_whitespace('cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')') }}, '')
{%- endmacro %}

{#- Trim spaces, tabs, carriage returns and line feeds from both ends (the
    contract trims every text value; SQL's plain trim only takes spaces). -#}
{% macro trim_whitespace(expression) %}
    {{ return(adapter.dispatch('trim_whitespace', 'arpu')(expression)) }}
{% endmacro %}

{% macro default__trim_whitespace(expression) -%}
    btrim({{ expression }}, chr(32) || chr(9) || chr(10) || chr(13))
{%- endmacro %}

{#- DuckDB: a value whose first and last characters are above a space has
    nothing to trim, and is returned as it is; trimming a set of characters
    costs, and most values have none (the same result, in half the time). -#}
{% macro duckdb__trim_whitespace(expression) -%}
    case
        when {{ expression }}[1] > ' ' and {{ expression }}[-1] > ' '
            then {{ expression }}
        else trim({{ expression }}, chr(32) || chr(9) || chr(10) || chr(13))
    end
{%- endmacro %}

{% macro spark__trim_whitespace(expression) -%}
    trim(both concat(chr(32), chr(9), chr(10), chr(13)) from {{ expression }})
{%- endmacro %}

{% macro regex_full_match(expression, pattern) %}
    {{ return(adapter.dispatch('regex_full_match', 'arpu')(expression, pattern)) }}
{% endmacro %}

{% macro default__regex_full_match(expression, pattern) -%}
    ({{ expression }} ~ '^({{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regex_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{#- \z, not $: Java's $ also matches before a final line break, and the
    contract's trim leaves Unicode ones (U+0085, U+2028, U+2029) in place. -#}
{% macro spark__regex_full_match(expression, pattern) -%}
    ({{ expression }} rlike '^({{ pattern }})\\z')
{%- endmacro %}

{%- macro _date_pattern() -%}
    [0-9]{4}-[0-9]{2}-[0-9]{2}
{%- endmacro -%}

{#- True when the first 10 characters of a matching value are a real date.
    Only evaluated behind a CASE on the pattern, so the casts are safe. -#}
{% macro _is_calendar_date(expression) -%}
    {%- set y = 'cast(substr(' ~ expression ~ ', 1, 4) as integer)' -%}
    {%- set m = 'cast(substr(' ~ expression ~ ', 6, 2) as integer)' -%}
    {%- set d = 'cast(substr(' ~ expression ~ ', 9, 2) as integer)' -%}
    ({{ y }} >= 1 and {{ m }} between 1 and 12 and {{ d }} >= 1 and {{ d }} <= case
        when {{ m }} = 2 then case
            when ({{ y }} % 4 = 0 and {{ y }} % 100 != 0) or {{ y }} % 400 = 0
                then 29
            else 28
        end
        when {{ m }} in (4, 6, 9, 11) then 30
        else 31
    end)
{%- endmacro %}

{#- A timestamp: a date alone, or a date, a space or T, HH:MM:SS, an
    optional fraction, and an optional zone (ISO 8601 / RFC 3339): Z, or a
    numeric offset from UTC as +HH:MM, +HHMM or +HH (or -). Nothing else:
    no lower-case z, no space before the zone, no zone without a time. -#}
{%- macro _timestamp_pattern() -%}
    {{ arpu._date_pattern() }}([ T][0-2][0-9]:[0-5][0-9]:[0-5][0-9]([.][0-9]+)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?
{%- endmacro -%}

{#- Which zone a text matched to _timestamp_pattern, with a time, ends in,
    by its length: 1 is Z, 6 +HH:MM, 5 +HHMM, 3 +HH. The time before a zone
    ends in digits, so a sign at that distance from the end can only open an
    offset. -#}
{% macro _ends_in_zone(expression, zone_length) -%}
    {%- if zone_length == 1 -%}
        (substr({{ expression }}, length({{ expression }}), 1) = 'Z')
    {%- else -%}
        (substr({{ expression }}, length({{ expression }}) - {{ zone_length - 1 }}, 1) in ('+', '-'))
    {%- endif -%}
{%- endmacro %}

{% macro _without_zone(expression, zone_length) -%}
    substr({{ expression }}, 1, length({{ expression }}) - {{ zone_length }})
{%- endmacro %}

{#- The signed offset of a zone of that length, in minutes east of UTC. -#}
{% macro _utc_offset_minutes(expression, zone_length) -%}
    {%- set start = 'length(' ~ expression ~ ') - ' ~ (zone_length - 1) -%}
    (case when substr({{ expression }}, {{ start }}, 1) = '-' then -1 else 1 end
        * ({{ arpu._utc_offset_size(expression, zone_length) }}))
{%- endmacro %}

{#- hours * 60 + minutes of an offset; minutes must stay below 60. -#}
{% macro _utc_offset_size(expression, zone_length) -%}
    {%- set start = 'length(' ~ expression ~ ') - ' ~ (zone_length - 1) -%}
    cast(substr({{ expression }}, {{ start }} + 1, 2) as integer) * 60
    {%- if zone_length > 3 %}
        + cast(substr({{ expression }}, length({{ expression }}) - 1, 2) as integer)
    {%- endif -%}
{%- endmacro %}

{#- True unless the text ends in an offset out of range: minutes 00-59 and
    at most 14:00 either way (the widest offsets in use are -12:00 and
    +14:00). A shifted time must also stay within years 1 to 9999, where
    every engine can write it: an offset on 0001-01-01 or 9999-12-31 does
    not cast. Only evaluated behind a CASE on _timestamp_pattern, for a
    text with a time. -#}
{% macro _is_utc_offset_in_range(expression) -%}
    case
        {%- for zone_length in [6, 5, 3] %}
        when {{ arpu._ends_in_zone(expression, zone_length) }}
            then {{ arpu._utc_offset_size(expression, zone_length) }} <= 840
            {%- if zone_length > 3 %}
                and cast(substr({{ expression }}, length({{ expression }}) - 1, 2) as integer) < 60
            {%- endif %}
                and substr({{ expression }}, 1, 10) not in ('0001-01-01', '9999-12-31')
        {%- endfor %}
        else true
    end
{%- endmacro %}

{#- A date, or a date and time without zone, as a timestamp: T read as a
    space, fractional seconds past microseconds cut (no engine keeps them). -#}
{% macro _local_timestamp(expression) -%}
    cast(substr({{ dbt.replace(expression, "'T'", "' '") }}, 1, 26) as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- A timestamp moved by a whole number of minutes, exactly (microseconds
    kept). dbt's dateadd would do on DuckDB and PostgreSQL, but on Spark it
    goes through whole Unix seconds and drops the fraction. -#}
{% macro add_minutes(expression, minutes) %}
    {{ return(adapter.dispatch('add_minutes', 'arpu')(expression, minutes)) }}
{% endmacro %}

{% macro default__add_minutes(expression, minutes) -%}
    {{ dbt.dateadd('minute', minutes, expression) }}
{%- endmacro %}

{% macro spark__add_minutes(expression, minutes) -%}
    timestampadd(minute, {{ minutes }}, {{ expression }})
{%- endmacro %}

{% macro is_castable(expression, contract_type) -%}
    {%- if contract_type == 'text' -%}
        true
    {%- elif contract_type == 'boolean' -%}
        ({{ expression }} is null or lower({{ expression }}) in ('true', 'false'))
    {%- elif contract_type == 'integer' -%}
        ({{ expression }} is null or {{ arpu.regex_full_match(expression, '-?[0-9]{1,18}') }})
    {%- elif contract_type == 'decimal' -%}
        {#- Money is held as decimal(28, 6): at most 22 integer digits, and
            with 22 at most 6 places, since rounding more places could carry
            into a 23rd digit and fail the cast. The contract's range is
            narrower (money_limit, below): a value that casts can still be
            rejected as out of range. -#}
        ({{ expression }} is null or {{ arpu.regex_full_match(
            expression, '-?([0-9]{1,21}([.][0-9]+)?|[0-9]{22}([.][0-9]{1,6})?)') }})
    {%- elif contract_type == 'date' -%}
        ({{ expression }} is null or case
            when {{ arpu.regex_full_match(expression, arpu._date_pattern()) }}
                then {{ arpu._is_calendar_date(expression) }}
            else false
        end)
    {%- elif contract_type == 'timestamp' -%}
        {#- A date alone is 10 characters, a date and time at least 19. -#}
        ({{ expression }} is null or case
            when {{ arpu.regex_full_match(expression, arpu._timestamp_pattern()) }}
                then {{ arpu._is_calendar_date(expression) }} and case
                    when length({{ expression }}) = 10 then true
                    else cast(substr({{ expression }}, 12, 2) as integer) < 24
                        and {{ arpu._is_utc_offset_in_range(expression) }}
                end
            else false
        end)
    {%- else -%}
        {{ exceptions.raise_compiler_error("Unknown contract type " ~ contract_type) }}
    {%- endif -%}
{%- endmacro %}

{#- True when a text is there but its strict cast (`cast`, an expression
    or column already computed) is NULL: the text does not cast. A strict
    cast is NULL exactly when its text is NULL or does not cast, so this is
    `not is_castable(text)` without writing the long check again. -#}
{% macro is_cast_failed(text, cast) -%}
    ({{ text }} is not null and {{ cast }} is null)
{%- endmacro %}

{#- The forms is_castable accepts for a date or timestamp, in words, for
    people: a rejection (invalid_<column>) says which were expected. Dates
    and times are where exports differ; the other types' forms are plain.
    Keep in step with is_castable and docs/billing_contract.md. -#}
{% macro contract_forms(contract_type) -%}
    {%- if contract_type == 'date' -%}
        YYYY-MM-DD, a real calendar date
    {%- elif contract_type == 'timestamp' -%}
        YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS with a space or T, an optional .fraction and an optional zone: Z, +HH:MM, +HHMM or +HH (or -, at most 14:00)
    {%- endif -%}
{%- endmacro %}

{% macro contract_sql_type(contract_type) -%}
    {%- if contract_type == 'text' -%} {{ dbt.type_string() }}
    {%- elif contract_type == 'boolean' -%} {{ dbt.type_boolean() }}
    {%- elif contract_type == 'integer' -%} {{ dbt.type_bigint() }}
    {%- elif contract_type == 'decimal' -%} {{ arpu.type_money() }}
    {%- elif contract_type == 'date' -%} date
    {%- elif contract_type == 'timestamp' -%} {{ dbt.type_timestamp() }}
    {%- endif -%}
{%- endmacro %}

{#- sql_type overrides the contract type's default SQL type (FX rates keep
    more decimal places than money). -#}
{% macro strict_cast(expression, contract_type, sql_type=none) -%}
    {%- if contract_type == 'text' -%}
        {{ expression }}
    {%- elif contract_type == 'boolean' -%}
        case
            when lower({{ expression }}) = 'true' then true
            when lower({{ expression }}) = 'false' then false
        end
    {%- elif contract_type == 'timestamp' -%}
        {#- In UTC: a value with an offset is its local time minus the offset.
            Only a value that is not a date alone can carry a zone, so the
            date-only form is ruled out first (its dashes sit where a zone's
            sign would). -#}
        case when {{ arpu.is_castable(expression, contract_type) }}
            then case
                when length({{ expression }}) = 10
                    then {{ arpu._local_timestamp(expression) }}
                when {{ arpu._ends_in_zone(expression, 1) }}
                    then {{ arpu._local_timestamp(arpu._without_zone(expression, 1)) }}
                {%- for zone_length in [6, 5, 3] %}
                when {{ arpu._ends_in_zone(expression, zone_length) }}
                    then {{ arpu.add_minutes(
                        arpu._local_timestamp(arpu._without_zone(expression, zone_length)),
                        '-' ~ arpu._utc_offset_minutes(expression, zone_length)) }}
                {%- endfor %}
                else {{ arpu._local_timestamp(expression) }}
            end
        end
    {%- else -%}
        case when {{ arpu.is_castable(expression, contract_type) }}
            then cast({{ expression }} as {{ sql_type or arpu.contract_sql_type(contract_type) }})
        end
    {%- endif -%}
{%- endmacro %}

{#- The contract's range for money and FX rates (billing_contract.md,
    "Money: range and precision"). A value that casts but lies outside it
    is rejected (<column>_out_of_range, rate_out_of_range), so that every
    product and sum the pipeline forms fits its types. Compare against these
    integer literals, never a float literal: the comparison must be exact.

    - money_limit: |amount| < 1e13 (13 integer digits) for every money
      column, and for the refunds of one line added up;
    - rate_limit: rate_to_reporting < 1e6.

    Why: DuckDB types a product of money (scale 6) and a rate (scale 12) as
    decimal(38, 18): 20 integer digits. A line's net, amount - discount -
    refunds, stays under 3e13, so its converted value under 3e13 * 1e6 =
    3e19 < 1e20. Converted and monthly amounts are decimal(38, 12): 26
    integer digits, room for sums of over three million lines at both
    limits at once. -#}
{% macro money_limit() -%}
    10000000000000
{%- endmacro %}

{% macro rate_limit() -%}
    1000000
{%- endmacro %}

{#- True when a money value (a typed expression, NULL passes) is at or
    beyond the contract's money limit. -#}
{% macro is_money_out_of_range(expression) -%}
    (abs({{ expression }}) >= {{ arpu.money_limit() }})
{%- endmacro %}
