{#- The part_number-th piece of a delimited text, part_number a column or
    expression (1-based); NULL or '' past the last piece. dbt.split_part
    takes only a literal on PostgreSQL (postgres__split_part compares it to
    0 at compile time), so the position is passed through here. -#}
{% macro split_part_at(string_text, delimiter_text, part_number) %}
    {{ return(adapter.dispatch('split_part_at', 'arpu')(
        string_text, delimiter_text, part_number)) }}
{% endmacro %}

{% macro default__split_part_at(string_text, delimiter_text, part_number) -%}
    split_part({{ string_text }}, {{ delimiter_text }}, cast({{ part_number }} as integer))
{%- endmacro %}

{% macro duckdb__split_part_at(string_text, delimiter_text, part_number) -%}
    {{ dbt.split_part(string_text, delimiter_text, part_number) }}
{%- endmacro %}
