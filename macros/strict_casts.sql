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

{% macro duckdb__trim_whitespace(expression) -%}
    trim({{ expression }}, chr(32) || chr(9) || chr(10) || chr(13))
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

{% macro spark__regex_full_match(expression, pattern) -%}
    ({{ expression }} rlike '^({{ pattern }})$')
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
        ({{ expression }} is null or case
            when {{ arpu.regex_full_match(expression, arpu._date_pattern()) }}
                and length({{ expression }}) = 10
                then {{ arpu._is_calendar_date(expression) }}
            when {{ arpu.regex_full_match(expression, arpu._date_pattern() ~ '[ T][0-2][0-9]:[0-5][0-9]:[0-5][0-9]([.][0-9]+)?') }}
                then {{ arpu._is_calendar_date(expression) }}
                    and cast(substr({{ expression }}, 12, 2) as integer) < 24
            else false
        end)
    {%- else -%}
        {{ exceptions.raise_compiler_error("Unknown contract type " ~ contract_type) }}
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
        {#- Fractional seconds past microseconds are cut: no engine keeps them. -#}
        case when {{ arpu.is_castable(expression, contract_type) }}
            then cast(substr({{ dbt.replace(expression, "'T'", "' '") }}, 1, 26) as {{ dbt.type_timestamp() }})
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
