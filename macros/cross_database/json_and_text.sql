{#
    Cross-database helpers first written for the Stripe mapping: a JSON
    object's text under a key and whether a text is one, whole-number
    division, byte order, and a timestamp as UTC text.
#}

{#- The text under a top-level key of a JSON object held as text; NULL when
    the key is absent or the text is not JSON (see json_is_invalid). -#}
{% macro json_text(json_column, key) %}
    {{ return(adapter.dispatch('json_text', 'arpu')(json_column, key)) }}
{% endmacro %}

{% macro default__json_text(json_column, key) -%}
    (cast({{ json_column }} as jsonb) ->> '{{ key }}')
{%- endmacro %}

{% macro duckdb__json_text(json_column, key) -%}
    case
        when json_valid({{ json_column }})
            then json_extract_string({{ json_column }}, '$."{{ key }}"')
    end
{%- endmacro %}

{% macro spark__json_text(json_column, key) -%}
    get_json_object({{ json_column }}, '$.{{ key }}')
{%- endmacro %}

{#- True when JSON text is not a JSON object (it does not parse, or is an
    array or a scalar). PostgreSQL's jsonb cast fails the query on text
    that does not parse instead (Fivetran lands metadata as jsonb there). -#}
{% macro json_is_invalid(json_column) %}
    {{ return(adapter.dispatch('json_is_invalid', 'arpu')(json_column)) }}
{% endmacro %}

{% macro default__json_is_invalid(json_column) -%}
    (jsonb_typeof(cast({{ json_column }} as jsonb)) != 'object')
{%- endmacro %}

{% macro duckdb__json_is_invalid(json_column) -%}
    ({{ json_column }} is not null and case
        when json_valid({{ json_column }})
            then json_type({{ json_column }}) != 'OBJECT'
        else true
    end)
{%- endmacro %}

{% macro spark__json_is_invalid(json_column) -%}
    ({{ json_column }} is not null and from_json({{ json_column }}, 'map<string,string>') is null)
{%- endmacro %}

{#- floor(numerator / denominator) of whole non-negative numbers, exactly:
    a decimal quotient would go through a double on DuckDB. -#}
{% macro integer_divide(numerator, denominator) %}
    {{ return(adapter.dispatch('integer_divide', 'arpu')(numerator, denominator)) }}
{% endmacro %}

{% macro default__integer_divide(numerator, denominator) -%}
    div({{ numerator }}, {{ denominator }})
{%- endmacro %}

{% macro duckdb__integer_divide(numerator, denominator) -%}
    (cast({{ numerator }} as hugeint) // cast({{ denominator }} as hugeint))
{%- endmacro %}

{% macro spark__integer_divide(numerator, denominator) -%}
    (cast({{ numerator }} as decimal(38, 0)) div cast({{ denominator }} as decimal(38, 0)))
{%- endmacro %}

{#- A text to sort by its bytes, the same on every engine: PostgreSQL sorts
    text by the database's locale, where punctuation and case can reorder
    ids (and so change which line takes a refund's remainder). -#}
{% macro bytewise(expression) %}
    {{ return(adapter.dispatch('bytewise', 'arpu')(expression)) }}
{% endmacro %}

{% macro default__bytewise(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro postgres__bytewise(expression) -%}
    ({{ expression }} collate "C")
{%- endmacro %}

{#- A timestamp with time zone as contract timestamp text in UTC
    (`YYYY-MM-DD HH:MM:SS.ffffff`), whatever the session's time zone. -#}
{% macro utc_timestamp_text(expression) %}
    {{ return(adapter.dispatch('utc_timestamp_text', 'arpu')(expression)) }}
{% endmacro %}

{% macro default__utc_timestamp_text(expression) -%}
    to_char({{ expression }} at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')
{%- endmacro %}

{% macro duckdb__utc_timestamp_text(expression) -%}
    strftime(timezone('UTC', {{ expression }}), '%Y-%m-%d %H:%M:%S.%f')
{%- endmacro %}
