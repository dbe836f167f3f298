using System.Collections;
using Microsoft.AspNetCore.Http.Features;

namespace Janus.Server.Transports.Epoll;

/// <summary>
/// A connection's feature collection as a short array of pairs. Kestrel sets four or five features on every
/// connection and looks a few up; a linear scan of that many beats the dictionary of <see cref="FeatureCollection"/>,
/// which costs several hundred bytes per idle connection.
/// </summary>
internal sealed class ConnectionFeatures : IFeatureCollection
{
    // Kestrel sets four on every connection (heartbeat, completion, lifetime notification, metrics context).
    private KeyValuePair<Type, object>[] _items = new KeyValuePair<Type, object>[4];
    private int _count;

    public bool IsReadOnly => false;

    public int Revision { get; private set; }

    public object? this[Type key]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(key);
            int index = IndexOf(key);
            return index >= 0 ? _items[index].Value : null;
        }

        set
        {
            ArgumentNullException.ThrowIfNull(key);
            int index = IndexOf(key);
            if (value is null)
            {
                if (index >= 0)
                {
                    _count--;
                    _items[index] = _items[_count];
                    _items[_count] = default;
                    Revision++;
                }

                return;
            }

            if (index < 0)
            {
                if (_count == _items.Length)
                {
                    Array.Resize(ref _items, _items.Length * 2);
                }

                index = _count++;
            }

            _items[index] = new KeyValuePair<Type, object>(key, value);
            Revision++;
        }
    }

    public TFeature? Get<TFeature>() => (TFeature?)this[typeof(TFeature)];

    public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
    {
        for (int i = 0; i < _count; i++)
        {
            yield return _items[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(Type key)
    {
        for (int i = 0; i < _count; i++)
        {
            if (ReferenceEquals(_items[i].Key, key))
            {
                return i;
            }
        }

        return -1;
    }
}
